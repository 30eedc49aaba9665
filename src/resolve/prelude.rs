//! Names every Rust module sees without importing them: primitive types, the std prelude
//! (2021/2024 editions) and std's macros. They resolve as external references.

const TYPES: &[&str] = &[
    // primitives
    "bool", "char", "str", "i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16", "u32", "u64", "u128", "usize",
    "f32", "f64", // prelude types and traits
    "Option", "Result", "Vec", "String", "Box", "ToString", "ToOwned", "Clone", "Copy", "Send", "Sync", "Sized",
    "Unpin", "Drop", "Fn", "FnMut", "FnOnce", "AsRef", "AsMut", "Into", "From", "Default", "Iterator",
    "IntoIterator", "DoubleEndedIterator", "ExactSizeIterator", "Extend", "PartialEq", "Eq", "PartialOrd", "Ord",
    "TryFrom", "TryInto", "FromIterator", "Debug", "Hash", "Future", "IntoFuture", "AsyncFn", "AsyncFnMut",
    "AsyncFnOnce", "Self",
];

const VALUES: &[&str] = &["Some", "None", "Ok", "Err", "drop", "Box", "String", "Vec", "Default"];

const MACROS: &[&str] = &[
    "assert", "assert_eq", "assert_ne", "debug_assert", "debug_assert_eq", "debug_assert_ne", "cfg", "column",
    "compile_error", "concat", "dbg", "env", "eprint", "eprintln", "file", "format", "format_args", "include",
    "include_bytes", "include_str", "line", "matches", "module_path", "option_env", "panic", "print", "println",
    "stringify", "todo", "unimplemented", "unreachable", "vec", "write", "writeln", "thread_local", "try",
    "const_format_args", "concat_idents", "trace_macros", "log_syntax", "global_asm", "asm", "derive", "test",
    "cfg_match", "pin", "addr_of", "addr_of_mut", "offset_of",
];

/// Whether `name` is visible everywhere in namespace `ns` (0 type, 1 value, 2 macro).
pub fn is_prelude(name: &str, ns: usize) -> bool {
    match ns {
        0 => TYPES.contains(&name),
        1 => VALUES.contains(&name),
        _ => MACROS.contains(&name),
    }
}
