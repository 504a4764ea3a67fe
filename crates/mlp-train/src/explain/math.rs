//! Formulas are written once, as plain text in the tutorial's notation
//! (`∂E/∂W5 = ∂E/∂o1 × ∂o1/∂z3 × ∂z3/∂W5 = 0.20944600 × …`), split once into typed tokens
//! ([`Expression`]), and rendered from them as plain text or LaTeX.

use std::fmt;

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

/// A formula as typed tokens, in the tutorial's notation: `∂E/∂W5 = ∂E/∂o1 × ∂o1/∂z3 × …`.
///
/// Each name is a [`Symbol`] (`x1`, `h1`, `o1`, `z3`, `W5`, …), each number the text shown
/// (computed values with 8 decimals, given values as written); [`Expression::text`] and
/// [`Expression::latex`] render it.
#[derive(Debug, Clone, PartialEq)]
pub struct Expression {
    tokens: Vec<Token>,
}

/// One token of an [`Expression`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Token {
    /// `∂E/∂W5`: the partial derivative of `of` by `by`.
    Partial {
        /// What is differentiated: `E`, `o1`.
        of: Symbol,
        /// By what: `W5`, `z3`.
        by: Symbol,
    },
    /// A name: `W5`, `h1_2`, `E_o1`, `sigmoid`.
    Symbol(Symbol),
    /// `W5+`: a parameter after the update.
    Updated(Symbol),
    /// `e^z3`.
    Exp(Symbol),
    /// `Σ_k`: a sum over the index.
    Sum(Symbol),
    /// A number as shown: `0.45`, `-0.1`, `0.20944600`.
    Number(String),
    /// An operator, a bracket or a space: `=`, `×`, `·`, `+`, `−`, `/`, `(`, `½`, `²`, `η`, ….
    Char(char),
}

/// A name in a formula. The neurons are named as the tutorial names them; parameters as
/// [`mlp_core::ParameterNames`] names them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Symbol {
    /// `x1`: 1-based network input.
    Input(usize),
    /// `h1` (one hidden layer) or `h2_1` (`layer` 2, neuron 1): a hidden activation, 1-based.
    Hidden {
        /// The 1-based hidden layer, when there are several.
        layer: Option<usize>,
        /// The 1-based neuron.
        neuron: usize,
    },
    /// `o1`: 1-based output.
    Output(usize),
    /// `t1`: 1-based target.
    Target(usize),
    /// `z3`: 1-based pre-activation, numbered across all layers.
    PreActivation(usize),
    /// `W5` or `b1`, as [`mlp_core::ParameterNames`] names it.
    Parameter(String),
    /// `E`: the loss of the sample.
    Error,
    /// `E_o1`: 1-based output's term of the loss.
    OutputError(usize),
    /// `E_total`: the loss of the sample, written as the sum of its terms.
    TotalError,
    /// `sigmoid`, `ln`; with `derivative`, `relu′`.
    Function {
        /// The function's name.
        name: String,
        /// The derivative `f′`.
        derivative: bool,
    },
    /// Any other name (`o_k`, `k`).
    Other(String),
}

impl Symbol {
    /// The symbol for `text` as a formula writes it.
    fn parse(text: &str) -> Symbol {
        let number = |digits: &str| {
            (!digits.is_empty()
                && digits.bytes().all(|b| b.is_ascii_digit())
                && !digits.starts_with('0'))
            .then(|| digits.parse::<usize>().ok())
            .flatten()
        };
        let Some(first) = text.chars().next() else { return Symbol::Other(String::new()) };
        let rest = &text[first.len_utf8()..];
        let simple = match first {
            'x' => number(rest).map(Symbol::Input),
            'o' => number(rest).map(Symbol::Output),
            't' => number(rest).map(Symbol::Target),
            'z' => number(rest).map(Symbol::PreActivation),
            'W' | 'b' => number(rest).map(|_| Symbol::Parameter(text.to_owned())),
            'h' => match rest.split_once('_') {
                None => number(rest).map(|neuron| Symbol::Hidden { layer: None, neuron }),
                Some((layer, neuron)) => number(layer)
                    .zip(number(neuron))
                    .map(|(layer, neuron)| Symbol::Hidden { layer: Some(layer), neuron }),
            },
            'E' => match rest {
                "" => Some(Symbol::Error),
                "_total" => Some(Symbol::TotalError),
                _ => rest.strip_prefix("_o").and_then(number).map(Symbol::OutputError),
            },
            _ => None,
        };
        if let Some(symbol) = simple {
            return symbol;
        }
        let (name, derivative) = match text.strip_suffix('′') {
            Some(name) => (name, true),
            None => (text, false),
        };
        match name.len() > 1 && name.chars().all(|c| c.is_ascii_alphabetic() || c == '-') {
            true => Symbol::Function { name: name.to_owned(), derivative },
            false => Symbol::Other(text.to_owned()),
        }
    }
}

impl fmt::Display for Symbol {
    /// The symbol as the plain text writes it: `x1`, `h2_1`, `E_o1`, `relu′`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Symbol::Input(i) => write!(f, "x{i}"),
            Symbol::Hidden { layer: None, neuron } => write!(f, "h{neuron}"),
            Symbol::Hidden { layer: Some(layer), neuron } => write!(f, "h{layer}_{neuron}"),
            Symbol::Output(k) => write!(f, "o{k}"),
            Symbol::Target(k) => write!(f, "t{k}"),
            Symbol::PreActivation(n) => write!(f, "z{n}"),
            Symbol::Parameter(name) | Symbol::Other(name) => f.write_str(name),
            Symbol::Error => f.write_str("E"),
            Symbol::OutputError(k) => write!(f, "E_o{k}"),
            Symbol::TotalError => f.write_str("E_total"),
            Symbol::Function { name, derivative } => {
                write!(f, "{name}{}", if *derivative { "′" } else { "" })
            }
        }
    }
}

impl Expression {
    /// The tokens of a formula written in the tutorial's notation.
    pub(super) fn parse(formula: &str) -> Expression {
        let tokens = tokens(formula)
            .into_iter()
            .map(|token| match token {
                RawToken::Partial(of, by) => {
                    Token::Partial { of: Symbol::parse(of), by: Symbol::parse(by) }
                }
                RawToken::Name(text) => Token::Symbol(Symbol::parse(text)),
                RawToken::Updated(text) => Token::Updated(Symbol::parse(text)),
                RawToken::Exp(text) => Token::Exp(Symbol::parse(text)),
                RawToken::Sum(index) => Token::Sum(Symbol::parse(index)),
                RawToken::Number(number) => Token::Number(number.to_owned()),
                RawToken::Other(c) => Token::Char(c),
            })
            .collect();
        Expression { tokens }
    }

    /// The tokens, left to right.
    pub fn tokens(&self) -> &[Token] {
        &self.tokens
    }

    /// The text as printed: negative numbers inside an expression get parentheses,
    /// `0.3 × (-0.1)`.
    pub fn text(&self) -> String {
        self.render(|token, out| match token {
            Token::Partial { of, by } => out.push_str(&format!("∂{of}/∂{by}")),
            Token::Symbol(symbol) => out.push_str(&symbol.to_string()),
            Token::Number(text) => out.push_str(text),
            Token::Updated(symbol) => out.push_str(&format!("{symbol}+")),
            Token::Exp(symbol) => out.push_str(&format!("e^{symbol}")),
            Token::Sum(index) => out.push_str(&format!("Σ_{index}")),
            Token::Char(c) => out.push(*c),
        })
    }

    /// The formula as LaTeX for GitHub's `$…$` and `$$…$$`: `∂E/∂W5` becomes
    /// `\frac{\partial E}{\partial W_{5}}`, `h1_2` becomes `{h^{(1)}_{2}}`, `×` becomes
    /// `\times`.
    pub fn latex(&self) -> String {
        let name = |symbol: &Symbol| name(&symbol.to_string());
        self.render(|token, out| match token {
            Token::Partial { of, by } => {
                out.push_str(&format!(r"\frac{{\partial {}}}{{\partial {}}}", name(of), name(by)))
            }
            Token::Symbol(symbol) => out.push_str(&name(symbol)),
            Token::Updated(symbol) => out.push_str(&format!("{}^{{+}}", name(symbol))),
            Token::Exp(symbol) => out.push_str(&format!("e^{{{}}}", name(symbol))),
            Token::Sum(index) => out.push_str(&format!(r"\sum_{{{index}}}")),
            Token::Number(number) => out.push_str(number),
            Token::Char(c) => out.push_str(match c {
                '×' => r"\times",
                '·' => r" \cdot ",
                '−' => "-",
                '½' => r"\tfrac{1}{2}",
                '²' => "^{2}",
                '…' => r"\dots",
                'η' => r"\eta",
                _ => return out.push(*c),
            }),
        })
    }

    /// Writes each token with `write`, putting a negative number in parentheses unless it
    /// starts the formula, a side of an equation or a bracket.
    fn render(&self, write: impl Fn(&Token, &mut String)) -> String {
        let mut out = String::new();
        let mut previous: Option<&Token> = None;
        for token in &self.tokens {
            let wrap = matches!(token, Token::Number(number) if number.starts_with('-'))
                && !matches!(previous, None | Some(Token::Char('=' | '(' | '[')));
            if wrap {
                out.push('(');
            }
            write(token, &mut out);
            if wrap {
                out.push(')');
            }
            if *token != Token::Char(' ') {
                previous = Some(token);
            }
        }
        out
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum RawToken<'a> {
    Partial(&'a str, &'a str),
    Name(&'a str),
    Updated(&'a str),
    Exp(&'a str),
    Sum(&'a str),
    Number(&'a str),
    Other(char),
}

fn tokens(formula: &str) -> Vec<RawToken<'_>> {
    let mut tokens = Vec::new();
    let mut rest = formula;
    while let Some(c) = rest.chars().next() {
        let (token, length) = if let Some(after) = rest.strip_prefix('∂') {
            let of = &after[..name_length(after)];
            let after_of = after[of.len()..].strip_prefix("/∂").expect("∂E/∂w is written whole");
            let by = &after_of[..name_length(after_of)];
            (RawToken::Partial(of, by), rest.len() - after_of.len() + by.len())
        } else if let Some(after) = rest.strip_prefix("e^") {
            let length = name_length(after);
            (RawToken::Exp(&after[..length]), 2 + length)
        } else if let Some(after) = rest.strip_prefix("Σ_") {
            let length = name_length(after);
            (RawToken::Sum(&after[..length]), "Σ_".len() + length)
        } else if c.is_ascii_alphabetic() {
            let length = name_length(rest);
            match rest[length..].starts_with('+') {
                true => (RawToken::Updated(&rest[..length]), length + 1),
                false => (RawToken::Name(&rest[..length]), length),
            }
        } else if c.is_ascii_digit()
            || (c == '-' && rest[1..].starts_with(|d: char| d.is_ascii_digit()))
        {
            let length = 1 + rest[1..]
                .find(|d: char| !d.is_ascii_digit() && d != '.')
                .unwrap_or(rest.len() - 1);
            (RawToken::Number(&rest[..length]), length)
        } else {
            (RawToken::Other(c), c.len_utf8())
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
