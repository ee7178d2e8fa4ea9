//! Small pieces of English the faces share: a count with its noun in the
//! right number ("1 invoice", "0 invoices", "3 invoices").

/// `n` and the noun, singular for exactly one.
pub fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 { format!("1 {one}") } else { format!("{n} {many}") }
}

#[cfg(test)]
mod tests {
    #[test]
    fn one_is_singular_and_everything_else_plural() {
        assert_eq!(super::count(0, "invoice", "invoices"), "0 invoices");
        assert_eq!(super::count(1, "invoice", "invoices"), "1 invoice");
        assert_eq!(super::count(2, "open invoice", "open invoices"), "2 open invoices");
    }
}
