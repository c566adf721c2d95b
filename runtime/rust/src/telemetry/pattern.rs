//! The conventions' name patterns (`span_naming.internal.pattern`, generated
//! as [`INTERNAL_NAME_PATTERN`](super::conventions::INTERNAL_NAME_PATTERN))
//! matched without a regular-expression crate: the pattern is read once into
//! a small tree and names are matched against it by backtracking, found
//! anywhere in the name as `scaffold verify` finds it (Python's
//! `re.search`), so `^` and `$` anchor it.
//!
//! Read: literals, `.`, `\d \w \s` (and `\D \W \S`), an escaped character,
//! classes `[...]` (ranges, `^` negation, the same escapes), groups `( )` and
//! `(?: )`, alternation `|`, the anchors `^` and `$`, and the quantifiers
//! `*`, `+`, `?`, `{m}`, `{m,}`, `{m,n}` (a `{` that starts none is a
//! literal). Anything else (look-around, back-references, lazy
//! quantifiers, flags) makes the pattern unreadable: then nothing matches.
//! A match takes at most [`STEPS`] steps; one that needs more is no match,
//! so no name can make it slow.

use std::cell::Cell;

/// The most steps one match may take.
pub const STEPS: u32 = 20_000;

/// One piece of a pattern.
#[derive(Debug, Clone, PartialEq)]
enum Node {
    /// One character among the ranges (or outside them, `negated`).
    Class {
        ranges: Vec<(char, char)>,
        negated: bool,
    },
    /// A group's alternatives, each a sequence.
    Group(Vec<Vec<Node>>),
    Repeat {
        node: Box<Node>,
        min: u32,
        max: Option<u32>,
    },
    Start,
    End,
}

/// A pattern read once; [`Pattern::matches`] tells whether a text has a match.
#[derive(Debug, Clone, PartialEq)]
pub struct Pattern(Option<Vec<Vec<Node>>>);

impl Pattern {
    /// Reads `pattern`; one it cannot read matches nothing.
    pub fn new(pattern: &str) -> Self {
        let chars: Vec<char> = pattern.chars().collect();
        let mut reader = Reader { chars, at: 0 };
        let read = reader.alternatives();
        Self(read.filter(|_| reader.at == reader.chars.len()))
    }

    /// Whether the pattern could be read.
    pub fn readable(&self) -> bool {
        self.0.is_some()
    }

    /// Whether `text` has a match (anywhere, unless anchored), within
    /// [`STEPS`] steps.
    pub fn matches(&self, text: &str) -> bool {
        let Some(alternatives) = &self.0 else {
            return false;
        };
        let chars: Vec<char> = text.chars().collect();
        let run = Run {
            text: &chars,
            steps: Cell::new(STEPS),
        };
        (0..=chars.len()).any(|start| {
            alternatives
                .iter()
                .any(|alternative| run.sequence(alternative, start, &mut |_| true))
        })
    }
}

struct Reader {
    chars: Vec<char>,
    at: usize,
}

impl Reader {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.at += 1;
        Some(c)
    }

    fn alternatives(&mut self) -> Option<Vec<Vec<Node>>> {
        let mut out = vec![self.sequence()?];
        while self.peek() == Some('|') {
            self.at += 1;
            out.push(self.sequence()?);
        }
        Some(out)
    }

    fn sequence(&mut self) -> Option<Vec<Node>> {
        let mut out = Vec::new();
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' {
                break;
            }
            let atom = self.atom()?;
            out.push(self.quantified(atom)?);
        }
        Some(out)
    }

    fn atom(&mut self) -> Option<Node> {
        Some(match self.next()? {
            '^' => Node::Start,
            '$' => Node::End,
            '.' => Node::Class {
                ranges: vec![('\n', '\n')],
                negated: true,
            },
            '(' => {
                if self.peek() == Some('?') {
                    self.at += 1;
                    if self.next()? != ':' {
                        return None;
                    }
                }
                let group = self.alternatives()?;
                if self.next()? != ')' {
                    return None;
                }
                Node::Group(group)
            }
            '[' => self.class()?,
            '\\' => escape(self.next()?)?,
            '*' | '+' | '?' | ')' => return None,
            c => literal(c),
        })
    }

    fn class(&mut self) -> Option<Node> {
        let negated = self.peek() == Some('^');
        if negated {
            self.at += 1;
        }
        let mut ranges = Vec::new();
        let mut first = true;
        loop {
            let c = self.next()?;
            if c == ']' && !first {
                break;
            }
            first = false;
            let low = if c == '\\' {
                let e = self.next()?;
                if let Some(Node::Class {
                    ranges: more,
                    negated: false,
                }) = escape(e).filter(|_| "dws".contains(e))
                {
                    ranges.extend(more);
                    continue;
                }
                if e.is_ascii_alphanumeric() {
                    return None;
                }
                e
            } else {
                c
            };
            if self.peek() == Some('-') && self.chars.get(self.at + 1).is_some_and(|&n| n != ']') {
                self.at += 1;
                let high = match self.next()? {
                    '\\' => self.next().filter(|e| !e.is_ascii_alphanumeric())?,
                    h => h,
                };
                if high < low {
                    return None;
                }
                ranges.push((low, high));
            } else {
                ranges.push((low, low));
            }
        }
        Some(Node::Class { ranges, negated })
    }

    fn quantified(&mut self, atom: Node) -> Option<Node> {
        // `*`, `+`, `?`: one character, passed below.
        let single = matches!(self.peek(), Some('*' | '+' | '?'));
        let (min, max) = match self.peek() {
            Some('*') => (0, None),
            Some('+') => (1, None),
            Some('?') => (0, Some(1)),
            Some('{') => match self.bounds() {
                // `bounds` moved past the closing `}`.
                Some(bounds) => bounds,
                None => return Some(atom),
            },
            _ => return Some(atom),
        };
        if single {
            self.at += 1;
        }
        if matches!(atom, Node::Start | Node::End) || self.quantifier_ahead() {
            // A quantified anchor; a lazy, possessive or second quantifier.
            return None;
        }
        Some(Node::Repeat {
            node: Box::new(atom),
            min,
            max,
        })
    }

    /// Whether a quantifier starts at the reader (one after another, a lazy
    /// or possessive one: not read).
    fn quantifier_ahead(&self) -> bool {
        match self.peek() {
            Some('*' | '+' | '?') => true,
            Some('{') => {
                let mut probe = Reader {
                    chars: self.chars.clone(),
                    at: self.at,
                };
                probe.bounds().is_some()
            }
            _ => false,
        }
    }

    /// `{m}`, `{m,}`, `{m,n}` at the reader, consumed when it is one.
    fn bounds(&mut self) -> Option<(u32, Option<u32>)> {
        let rest: String = self.chars[self.at..].iter().collect();
        let close = rest.find('}')?;
        let inside = &rest[1..close];
        let number = |s: &str| -> Option<u32> {
            (!s.is_empty() && s.len() <= 4 && s.bytes().all(|b| b.is_ascii_digit()))
                .then(|| s.parse().ok())
                .flatten()
        };
        let bounds = match inside.split_once(',') {
            None => number(inside).map(|n| (n, Some(n))),
            Some((low, "")) => number(low).map(|n| (n, None)),
            Some(("", high)) => number(high).map(|n| (0, Some(n))),
            Some((low, high)) => match (number(low), number(high)) {
                (Some(l), Some(h)) if l <= h => Some((l, Some(h))),
                _ => None,
            },
        }?;
        self.at += rest[..=close].chars().count();
        Some(bounds)
    }
}

fn literal(c: char) -> Node {
    Node::Class {
        ranges: vec![(c, c)],
        negated: false,
    }
}

/// What `\e` stands for; `None` for an escape this reader does not know
/// (a back-reference, `\b`, ...).
fn escape(e: char) -> Option<Node> {
    let class = |ranges: Vec<(char, char)>, negated| Node::Class { ranges, negated };
    let digits = vec![('0', '9')];
    let word = vec![('0', '9'), ('A', 'Z'), ('_', '_'), ('a', 'z')];
    let space = vec![('\t', '\r'), (' ', ' ')];
    Some(match e {
        'd' => class(digits, false),
        'D' => class(digits, true),
        'w' => class(word, false),
        'W' => class(word, true),
        's' => class(space, false),
        'S' => class(space, true),
        'n' => literal('\n'),
        't' => literal('\t'),
        c if c.is_ascii_alphanumeric() => return None,
        c => literal(c),
    })
}

/// One match of a text, counting its steps.
struct Run<'a> {
    text: &'a [char],
    steps: Cell<u32>,
}

impl Run<'_> {
    /// Whether `nodes` match at `at` with `then` accepting where they end.
    fn sequence(&self, nodes: &[Node], at: usize, then: &mut dyn FnMut(usize) -> bool) -> bool {
        match nodes.split_first() {
            None => then(at),
            Some((first, rest)) => {
                self.node(first, at, &mut |next| self.sequence(rest, next, then))
            }
        }
    }

    fn node(&self, node: &Node, at: usize, then: &mut dyn FnMut(usize) -> bool) -> bool {
        let left = self.steps.get();
        if left == 0 {
            return false;
        }
        self.steps.set(left - 1);
        match node {
            Node::Class { ranges, negated } => match self.text.get(at) {
                Some(&c) if ranges.iter().any(|&(l, h)| l <= c && c <= h) != *negated => {
                    then(at + 1)
                }
                _ => false,
            },
            Node::Start => at == 0 && then(at),
            Node::End => at == self.text.len() && then(at),
            Node::Group(alternatives) => alternatives
                .iter()
                .any(|alternative| self.sequence(alternative, at, then)),
            Node::Repeat { node, min, max } => self.repeat(node, *min, *max, 0, at, then),
        }
    }

    /// Greedy: one more `node` first, then what follows.
    fn repeat(
        &self,
        node: &Node,
        min: u32,
        max: Option<u32>,
        count: u32,
        at: usize,
        then: &mut dyn FnMut(usize) -> bool,
    ) -> bool {
        if max.is_none_or(|max| count < max)
            && self.node(node, at, &mut |next| {
                // An empty turn only while the minimum is not reached.
                (next != at || count < min) && self.repeat(node, min, max, count + 1, next, then)
            })
        {
            return true;
        }
        count >= min && then(at)
    }
}

#[cfg(test)]
mod tests {
    use super::Pattern;

    /// The outcome of Python's `re.search` for each pattern and text.
    #[test]
    fn patterns_match_as_python_searches() {
        let cases: &[(&str, &str, bool)] = &[
            (
                "^[a-z][a-z0-9_.]*( [a-z0-9_.{}/-]+)*$",
                "orders.lookup",
                true,
            ),
            (
                "^[a-z][a-z0-9_.]*( [a-z0-9_.{}/-]+)*$",
                "get /orders/{id}",
                true,
            ),
            (
                "^[a-z][a-z0-9_.]*( [a-z0-9_.{}/-]+)*$",
                "Lookup Orders",
                false,
            ),
            (
                "^[a-z][a-z0-9_.]*( [a-z0-9_.{}/-]+)*$",
                "orders  lookup",
                false,
            ),
            ("^[a-z][a-z0-9_.]*( [a-z0-9_.{}/-]+)*$", "a ", false),
            ("^[a-z][a-z0-9_.]*( [a-z0-9_.{}/-]+)*$", "a-b", false),
            ("^[a-z][a-z0-9_.]*$", "orders.lookup", true),
            ("^[a-z][a-z0-9_.]*$", "orders lookup", false),
            ("^.+$", "Anything At All", true),
            ("^.+$", "", false),
            ("lookup", "the lookup step", true),
            ("^lookup", "the lookup step", false),
            ("^(get|put) \\w+$", "put item_1", true),
            ("^(?:get|put) \\w+$", "post item", false),
            ("^a{2,3}$", "aaa", true),
            ("^a{2,3}$", "aaaa", false),
            ("^a{2}$", "aa", true),
            ("^x{,2}$", "xx", true),
            ("^x{,2}$", "xxx", false),
            ("^x{y}$", "x{y}", true),
            ("^[^ ]+$", "no-space", true),
            ("^[^ ]+$", "a space", false),
            ("^\\d+\\.\\d$", "12.5", true),
            ("^(a*)*$", "aaaa", true),
            (
                "^(a*)*b$",
                "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                false,
            ),
            ("^[a\\-z]+$", "a-z", true),
            ("^[a\\-z]+$", "b", false),
        ];
        for &(pattern, text, want) in cases {
            let read = Pattern::new(pattern);
            assert!(read.readable(), "{pattern}");
            assert_eq!(read.matches(text), want, "{pattern} on {text:?}");
        }
    }

    #[test]
    fn patterns_it_cannot_read_match_nothing() {
        for pattern in [
            "(?=a)a", "(a)\\1", "\\bword", "a*?", "a++", "[b-a]", "(a", "a)", "*a", "^*",
        ] {
            let read = Pattern::new(pattern);
            assert!(!read.readable(), "{pattern}");
            assert!(!read.matches("a"), "{pattern}");
        }
    }
}
