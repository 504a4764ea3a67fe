//! Formulas are written once, as plain text in the tutorial's notation
//! (`∂E/∂W5 = ∂E/∂o1 × ∂o1/∂z3 × ∂z3/∂W5 = 0.20944600 × …`), and turned into LaTeX here.

/// Sums with more terms than this are shortened to their first three terms, `…` and the last.
const MAX_TERMS: usize = 16;

/// A computed value: 8 decimals, as the tutorial prints them.
pub(super) fn computed<T: mlp_core::Scalar>(value: T) -> String {
    without_negative_zero(format!("{value:.8}"))
}

/// A given value (a parameter, an input, a target, the learning rate) as written: `0.45`, `0.1`,
/// or 8 decimals when its shortest form has more.
pub(super) fn given<T: mlp_core::Scalar>(value: T) -> String {
    let natural = without_negative_zero(value.to_string());
    let n_decimals = natural.split_once('.').map_or(0, |(_, decimals)| decimals.len());
    if n_decimals <= 8 {
        natural
    } else {
        computed(value)
    }
}

/// `0.00000000` for `-0.00000000`: a value that rounds to zero is shown without a sign.
fn without_negative_zero(number: String) -> String {
    match number.strip_prefix('-') {
        Some(digits) if digits.chars().all(|c| c == '0' || c == '.') => digits.to_owned(),
        _ => number,
    }
}

/// `term(0) + term(1) + …` over `n_terms` terms; long sums become
/// `term(0) + term(1) + term(2) + … + term(n − 1)`.
pub(super) fn sum(n_terms: usize, term: impl Fn(usize) -> String) -> String {
    if n_terms <= MAX_TERMS {
        (0..n_terms).map(term).collect::<Vec<_>>().join(" + ")
    } else {
        format!("{} + {} + {} + … + {}", term(0), term(1), term(2), term(n_terms - 1))
    }
}

/// The text as printed: negative numbers inside an expression get parentheses, `0.3 × (-0.1)`.
pub(super) fn plain(formula: &str) -> String {
    render(formula, |token, out| out.push_str(&token.source()))
}

/// The formula as LaTeX for GitHub's `$…$` and `$$…$$`: `∂E/∂W5` becomes
/// `\frac{\partial E}{\partial W_{5}}`, `h1_2` becomes `{h^{(1)}_{2}}`, `×` becomes `\times`.
pub(super) fn latex(formula: &str) -> String {
    render(formula, |token, out| match token {
        Token::Partial(of, by) => {
            out.push_str(&format!(r"\frac{{\partial {}}}{{\partial {}}}", name(of), name(by)))
        }
        Token::Name(text) => out.push_str(&name(text)),
        Token::Updated(text) => out.push_str(&format!("{}^{{+}}", name(text))),
        Token::Exp(text) => out.push_str(&format!("e^{{{}}}", name(text))),
        Token::Sum(index) => out.push_str(&format!(r"\sum_{{{index}}}")),
        Token::Number(number) => out.push_str(number),
        Token::Other(c) => out.push_str(match c {
            '×' => r"\times",
            '·' => r" \cdot ",
            '−' => "-",
            '½' => r"\tfrac{1}{2}",
            '²' => "^{2}",
            '…' => r"\dots",
            'η' => r"\eta",
            _ => return out.push(c),
        }),
    })
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Token<'a> {
    /// `∂E/∂W5`: what is differentiated and by what.
    Partial(&'a str, &'a str),
    /// `W5`, `h1_2`, `E_o1`, `sigmoid`, `relu′`.
    Name(&'a str),
    /// `W5+`: a parameter after the update.
    Updated(&'a str),
    /// `e^z3`.
    Exp(&'a str),
    /// `Σ_k`.
    Sum(&'a str),
    /// `0.45`, `-0.1`.
    Number(&'a str),
    /// Operators, brackets and spaces.
    Other(char),
}

impl Token<'_> {
    fn source(&self) -> String {
        match self {
            Token::Partial(of, by) => format!("∂{of}/∂{by}"),
            Token::Name(text) | Token::Number(text) => (*text).to_owned(),
            Token::Updated(text) => format!("{text}+"),
            Token::Exp(text) => format!("e^{text}"),
            Token::Sum(index) => format!("Σ_{index}"),
            Token::Other(c) => c.to_string(),
        }
    }
}

/// Splits `formula` into tokens and writes each with `write`, putting a negative number in
/// parentheses unless it starts the formula, a side of an equation or a bracket.
fn render(formula: &str, write: impl Fn(Token<'_>, &mut String)) -> String {
    let mut out = String::new();
    let mut previous = None;
    for token in tokens(formula) {
        let wrap = matches!(token, Token::Number(number) if number.starts_with('-'))
            && !matches!(previous, None | Some(Token::Other('=' | '(' | '[')));
        if wrap {
            out.push('(');
        }
        write(token, &mut out);
        if wrap {
            out.push(')');
        }
        if token != Token::Other(' ') {
            previous = Some(token);
        }
    }
    out
}

fn tokens(formula: &str) -> Vec<Token<'_>> {
    let mut tokens = Vec::new();
    let mut rest = formula;
    while let Some(c) = rest.chars().next() {
        let (token, length) = if let Some(after) = rest.strip_prefix('∂') {
            let of = &after[..name_length(after)];
            let after_of = after[of.len()..].strip_prefix("/∂").expect("∂E/∂w is written whole");
            let by = &after_of[..name_length(after_of)];
            (Token::Partial(of, by), rest.len() - after_of.len() + by.len())
        } else if let Some(after) = rest.strip_prefix("e^") {
            let length = name_length(after);
            (Token::Exp(&after[..length]), 2 + length)
        } else if let Some(after) = rest.strip_prefix("Σ_") {
            let length = name_length(after);
            (Token::Sum(&after[..length]), "Σ_".len() + length)
        } else if c.is_ascii_alphabetic() {
            let length = name_length(rest);
            match rest[length..].starts_with('+') {
                true => (Token::Updated(&rest[..length]), length + 1),
                false => (Token::Name(&rest[..length]), length),
            }
        } else if c.is_ascii_digit()
            || (c == '-' && rest[1..].starts_with(|d: char| d.is_ascii_digit()))
        {
            let length = 1 + rest[1..]
                .find(|d: char| !d.is_ascii_digit() && d != '.')
                .unwrap_or(rest.len() - 1);
            (Token::Number(&rest[..length]), length)
        } else {
            (Token::Other(c), c.len_utf8())
        };
        tokens.push(token);
        rest = &rest[length..];
    }
    tokens
}

/// The length of the name at the start of `text`: letters, digits, `_`, a final `′`, and `-`
/// between letters (`leaky-relu`).
fn name_length(text: &str) -> usize {
    let mut chars = text.char_indices().peekable();
    while let Some((index, c)) = chars.next() {
        let next_is_letter = chars.peek().is_some_and(|(_, next)| next.is_ascii_alphabetic());
        let part_of_name =
            c.is_ascii_alphanumeric() || c == '_' || c == '′' || (c == '-' && next_is_letter);
        if !part_of_name {
            return index;
        }
    }
    text.len()
}

/// A name in LaTeX: `W5` → `W_{5}`, `h1_2` → `{h^{(1)}_{2}}`, `E_o1` → `E_{o_{1}}`,
/// `E_total` → `E_{\mathrm{total}}`, `sigmoid` → `\text{sigmoid}`, `relu′` → `\text{relu}'`.
fn name(text: &str) -> String {
    let (stem, prime) = match text.strip_suffix('′') {
        Some(stem) => (stem, "'"),
        None => (text, ""),
    };
    let letters = stem.find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(stem.len());
    let (head, index) = stem.split_at(letters);
    if let Some((layer, sub)) = index.split_once('_').filter(|(layer, _)| !layer.is_empty()) {
        // Braced, so that a square after it is not a second superscript.
        return format!("{{{head}^{{({layer})}}_{{{sub}}}}}{prime}");
    }
    if let Some(sub) = index.strip_prefix('_') {
        let sub = match sub.find(|c: char| c.is_ascii_digit()) {
            _ if sub.len() == 1 => sub.to_owned(),
            Some(digits) => format!("{}_{{{}}}", &sub[..digits], &sub[digits..]),
            None => format!(r"\mathrm{{{sub}}}"),
        };
        return format!("{head}_{{{sub}}}{prime}");
    }
    match (head, index) {
        ("ln", "") => r"\ln".to_owned(),
        (_, "") if head.len() == 1 => format!("{head}{prime}"),
        (_, index) if index.chars().all(|c| c.is_ascii_digit()) && head.len() == 1 => {
            format!("{head}_{{{index}}}{prime}")
        }
        _ => format!(r"\text{{{stem}}}{prime}"),
    }
}
