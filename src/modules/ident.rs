//! Names as the compiler sees them, shared by the syntax pass (`extract.rs`), the ORM
//! readers (`orm.rs`) and configuration patterns: `r#match` and `match` are the same name (and
//! `mod r#match;` is the file `match.rs`), and names compare in Unicode NFC.

/// An identifier as the compiler sees it: without `r#`, and in Unicode NFC (rustc normalises
/// identifiers, so `café` written with a combining accent is the same name).
pub fn ident_name(i: &proc_macro2::Ident) -> String {
    let s = i.to_string();
    let s = match s.strip_prefix("r#") {
        Some(raw) => raw.to_string(),
        None => s,
    };
    nfc(s)
}

/// `s` in Unicode NFC; ASCII (nearly every name) is returned as it is.
pub fn nfc(s: String) -> String {
    use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};
    if s.is_ascii() || is_nfc_quick(s.chars()) == IsNormalized::Yes {
        s
    } else {
        s.nfc().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_identifiers_and_nfc() {
        let raw: proc_macro2::Ident = syn::parse_str("r#match").unwrap();
        assert_eq!(ident_name(&raw), "match");
        // `e` + combining acute accent is `é` in NFC.
        assert_eq!(nfc("cafe\u{301}".to_string()), "caf\u{e9}");
        assert_eq!(nfc("plain".to_string()), "plain");
    }
}
