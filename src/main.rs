//! `cargo-domains` binary: parse the command line and hand over to the library.
fn main() {
    std::process::exit(cargo_domains::cli::main());
}
