//! The conventions' name patterns (`span_naming.internal.pattern`, generated
//! as [`INTERNAL_NAME_PATTERN`](super::conventions::INTERNAL_NAME_PATTERN))
//! matched without a regular-expression crate. The pattern is read once and
//! compiled into a small program of character tests; a name is matched by
//! running every thread of that program side by side over the name (no
//! backtracking, no recursion while matching), so the cost is at most the
//! name's length times the program's, whatever the name.
//!
//! It reads exactly the dialect `scaffold` accepts for the conventions
//! (docs/conventions.md, "Name patterns"), which Go's `regexp` and Python's
//! `re` (as `scaffold verify` compiles it) read the same way: literals, `.`
//! (any character but a newline), `^` and `$` (start and end of the whole
//! name), the ASCII classes `\d \w` and `\D \W`, the escapes `\n \t \r \f \v`
//! and an escaped punctuation character, classes `[...]` (ranges, `^`
//! negation, the same escapes), groups `( )` and `(?: )`, alternation `|`,
//! and the greedy quantifiers `*`, `+`, `?`, `{m}`, `{m,}`, `{m,n}` (counts
//! at most 100). A match is found anywhere in the name unless anchored.
//! Anything else makes the pattern unreadable, and an unreadable pattern
//! matches nothing; `scaffold` refuses such a pattern before it is rendered.

/// The longest pattern read (in characters), as `scaffold` accepts.
pub const MAX_LEN: usize = 1000;
/// The deepest nesting of groups read, as `scaffold` accepts.
pub const MAX_DEPTH: usize = 32;
/// The largest repetition count read, as `scaffold` accepts.
pub const MAX_COUNT: u32 = 100;
/// The most instructions a compiled pattern may hold (above what any pattern
/// `scaffold` accepts compiles to).
pub const MAX_PROGRAM: usize = 200_000;

/// One item of a class: a range, some ranges (`\w`), or everything outside
/// some ranges (`\D`).
#[derive(Debug, Clone, PartialEq)]
enum Part {
    In(char, char),
    Among(&'static [(char, char)]),
    Out(&'static [(char, char)]),
}

/// The characters an escape may stand for literally.
const PUNCTUATION: &str = "\\.+*?()|[]{}^$-#&~/";
const DIGIT: &[(char, char)] = &[('0', '9')];
const WORD: &[(char, char)] = &[('0', '9'), ('A', 'Z'), ('_', '_'), ('a', 'z')];
const NEWLINE: &[(char, char)] = &[('\n', '\n')];

/// One character among the parts (or outside them, `negated`).
#[derive(Debug, Clone, PartialEq)]
struct Set {
    parts: Vec<Part>,
    negated: bool,
}

impl Set {
    fn has(&self, c: char) -> bool {
        let inside = |ranges: &[(char, char)]| ranges.iter().any(|&(l, h)| l <= c && c <= h);
        let found = self.parts.iter().any(|p| match p {
            Part::In(l, h) => *l <= c && c <= *h,
            Part::Among(ranges) => inside(ranges),
            Part::Out(ranges) => !inside(ranges),
        });
        found != self.negated
    }
}

/// One piece of a pattern as read.
#[derive(Debug, Clone, PartialEq)]
enum Node {
    Char(Set),
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

/// One instruction of a compiled pattern.
#[derive(Debug, Clone, PartialEq)]
enum Inst {
    Char(Set),
    /// Go on at both targets.
    Split(usize, usize),
    Jump(usize),
    Start,
    End,
    Match,
}

/// A pattern read once; [`Pattern::matches`] tells whether a text has a match.
#[derive(Debug, Clone, PartialEq)]
pub struct Pattern(Option<Vec<Inst>>);

impl Pattern {
    /// Reads `pattern`; one it cannot read matches nothing.
    pub fn new(pattern: &str) -> Self {
        let chars: Vec<char> = pattern.chars().collect();
        if chars.len() > MAX_LEN {
            return Self(None);
        }
        let mut reader = Reader { chars, at: 0 };
        let read = reader
            .alternatives(0)
            .filter(|_| reader.at == reader.chars.len());
        Self(read.and_then(|alternatives| {
            let mut program = Vec::new();
            compile(&Node::Group(alternatives), &mut program).then_some(())?;
            program.push(Inst::Match);
            Some(program)
        }))
    }

    /// Whether the pattern could be read.
    pub fn readable(&self) -> bool {
        self.0.is_some()
    }

    /// Whether `text` has a match (anywhere, unless anchored).
    pub fn matches(&self, text: &str) -> bool {
        let Some(program) = &self.0 else {
            return false;
        };
        let chars: Vec<char> = text.chars().collect();
        let mut vm = Threads::new(program.len());
        let mut next = Threads::new(program.len());
        for at in 0..=chars.len() {
            // A match may start at every position: a new thread here.
            if vm.add(program, 0, at, chars.len()) {
                return true;
            }
            let Some(&c) = chars.get(at) else {
                break;
            };
            next.clear();
            for &pc in &vm.list {
                if let Inst::Char(set) = &program[pc] {
                    if set.has(c) && next.add(program, pc + 1, at + 1, chars.len()) {
                        return true;
                    }
                }
            }
            std::mem::swap(&mut vm, &mut next);
        }
        false
    }
}

/// The threads at one position: the character tests waiting for the next
/// character, each once.
struct Threads {
    list: Vec<usize>,
    seen: Vec<bool>,
    marked: Vec<usize>,
    stack: Vec<usize>,
}

impl Threads {
    fn new(size: usize) -> Self {
        Self {
            list: Vec::new(),
            seen: vec![false; size],
            marked: Vec::new(),
            stack: Vec::new(),
        }
    }

    fn clear(&mut self) {
        for &pc in &self.marked {
            self.seen[pc] = false;
        }
        self.marked.clear();
        self.list.clear();
    }

    /// Follows the jumps and assertions from `pc` at `at` (of `len`),
    /// keeping the character tests reached; whether `Match` was reached.
    /// An instruction already reached at this position is not followed again.
    fn add(&mut self, program: &[Inst], pc: usize, at: usize, len: usize) -> bool {
        self.stack.push(pc);
        let mut matched = false;
        while let Some(pc) = self.stack.pop() {
            if self.seen[pc] {
                continue;
            }
            self.seen[pc] = true;
            self.marked.push(pc);
            match &program[pc] {
                Inst::Char(_) => self.list.push(pc),
                Inst::Split(a, b) => self.stack.extend([*b, *a]),
                Inst::Jump(to) => self.stack.push(*to),
                Inst::Start if at == 0 => self.stack.push(pc + 1),
                Inst::End if at == len => self.stack.push(pc + 1),
                Inst::Start | Inst::End => {}
                Inst::Match => matched = true,
            }
        }
        matched
    }
}

/// Appends `node`'s instructions; false when the program grows too large.
fn compile(node: &Node, out: &mut Vec<Inst>) -> bool {
    if out.len() > MAX_PROGRAM {
        return false;
    }
    match node {
        Node::Char(set) => out.push(Inst::Char(set.clone())),
        Node::Start => out.push(Inst::Start),
        Node::End => out.push(Inst::End),
        Node::Group(alternatives) => {
            let mut jumps = Vec::new();
            for (i, sequence) in alternatives.iter().enumerate() {
                let split = out.len();
                if i + 1 < alternatives.len() {
                    out.push(Inst::Split(split + 1, 0));
                }
                if !sequence.iter().all(|n| compile(n, out)) {
                    return false;
                }
                if i + 1 < alternatives.len() {
                    jumps.push(out.len());
                    out.push(Inst::Jump(0));
                    let after = out.len();
                    out[split] = Inst::Split(split + 1, after);
                }
            }
            let end = out.len();
            for j in jumps {
                out[j] = Inst::Jump(end);
            }
        }
        Node::Repeat { node, min, max } => {
            for _ in 0..*min {
                if !compile(node, out) {
                    return false;
                }
            }
            let optional = max.map_or(1, |m| m - min);
            for _ in 0..optional {
                let split = out.len();
                out.push(Inst::Split(split + 1, 0));
                if !compile(node, out) {
                    return false;
                }
                if max.is_none() {
                    out.push(Inst::Jump(split));
                }
                let after = out.len();
                out[split] = Inst::Split(split + 1, after);
            }
        }
    }
    out.len() <= MAX_PROGRAM
}

/// Reads the dialect, recursing once per group (at most [`MAX_DEPTH`]).
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

    fn alternatives(&mut self, depth: usize) -> Option<Vec<Vec<Node>>> {
        if depth > MAX_DEPTH {
            return None;
        }
        let mut out = vec![self.sequence(depth)?];
        while self.peek() == Some('|') {
            self.at += 1;
            out.push(self.sequence(depth)?);
        }
        Some(out)
    }

    fn sequence(&mut self, depth: usize) -> Option<Vec<Node>> {
        let mut out = Vec::new();
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' {
                break;
            }
            let atom = self.atom(depth)?;
            out.push(self.quantified(atom)?);
        }
        Some(out)
    }

    fn atom(&mut self, depth: usize) -> Option<Node> {
        Some(match self.next()? {
            '^' => Node::Start,
            '$' => Node::End,
            '.' => Node::Char(Set {
                parts: vec![Part::Out(NEWLINE)],
                negated: false,
            }),
            '(' => {
                if self.peek() == Some('?') {
                    self.at += 1;
                    self.next().filter(|&c| c == ':')?;
                }
                let group = self.alternatives(depth + 1)?;
                self.next().filter(|&c| c == ')')?;
                Node::Group(group)
            }
            '[' => self.class()?,
            '\\' => Node::Char(Set {
                parts: vec![escape(self.next()?)?],
                negated: false,
            }),
            '*' | '+' | '?' | '{' | '}' | ')' => return None,
            c => Node::Char(Set {
                parts: vec![Part::In(c, c)],
                negated: false,
            }),
        })
    }

    /// A class after its `[`: `]` is a member first, `-` first or last;
    /// no `[` inside, no doubled `& ~ |`, ranges between single characters.
    fn class(&mut self) -> Option<Node> {
        let negated = self.peek() == Some('^');
        self.at += usize::from(negated);
        let mut parts = Vec::new();
        let mut first = true;
        loop {
            let c = self.next()?;
            if c == ']' && !first {
                break;
            }
            let doubled = matches!(c, '&' | '~' | '|' | '-') && self.peek() == Some(c);
            if c == '[' || doubled {
                return None;
            }
            first = false;
            let low = if c == '\\' {
                escape(self.next()?)?
            } else {
                Part::In(c, c)
            };
            let range = self.peek() == Some('-') && self.chars.get(self.at + 1) != Some(&']');
            if !range {
                parts.push(low);
                continue;
            }
            self.at += 1;
            let high = match self.next()? {
                '\\' => escape(self.next()?)?,
                '[' => return None,
                h => Part::In(h, h),
            };
            match (low, high) {
                (Part::In(l, l2), Part::In(h, h2)) if l == l2 && h == h2 && l <= h => {
                    parts.push(Part::In(l, h));
                }
                _ => return None,
            }
            if self.peek() == Some('-') && self.chars.get(self.at + 1) != Some(&']') {
                // `a-c-e`: a range cannot follow a range.
                return None;
            }
        }
        Some(Node::Char(Set { parts, negated }))
    }

    fn quantified(&mut self, atom: Node) -> Option<Node> {
        let (min, max) = match self.peek() {
            Some('*') => (0, None),
            Some('+') => (1, None),
            Some('?') => (0, Some(1)),
            Some('{') => self.bounds()?,
            _ => return Some(atom),
        };
        if !matches!(self.chars[self.at], '{') {
            self.at += 1;
        } else {
            while self.next()? != '}' {}
        }
        if matches!(atom, Node::Start | Node::End)
            || matches!(self.peek(), Some('*' | '+' | '?' | '{'))
        {
            // A quantified anchor; a lazy, possessive or second quantifier.
            return None;
        }
        Some(Node::Repeat {
            node: Box::new(atom),
            min,
            max,
        })
    }

    /// The bounds of `{m}`, `{m,}`, `{m,n}` at the reader (counts without
    /// leading zeros, at most [`MAX_COUNT`]); the reader stays on the `{`.
    fn bounds(&self) -> Option<(u32, Option<u32>)> {
        let rest = &self.chars[self.at + 1..];
        let close = rest.iter().position(|&c| c == '}')?;
        let inside: String = rest[..close].iter().collect();
        let number = |s: &str| -> Option<u32> {
            let plain = s == "0" || (!s.starts_with('0') && s.len() <= 3);
            let n: u32 = s
                .bytes()
                .all(|b| b.is_ascii_digit())
                .then(|| s.parse().ok())??;
            (plain && n <= MAX_COUNT).then_some(n)
        };
        match inside.split_once(',') {
            None => number(&inside).map(|n| (n, Some(n))),
            Some((low, "")) => number(low).map(|n| (n, None)),
            Some((low, high)) => match (number(low), number(high)) {
                (Some(l), Some(h)) if l <= h => Some((l, Some(h))),
                _ => None,
            },
        }
    }
}

/// What `\e` stands for: `\d \w \D \W`, a control escape or escaped
/// punctuation; `None` for anything else (`\s`, `\b`, `\p`, `\x`, `\1`, ...).
fn escape(e: char) -> Option<Part> {
    let control = match e {
        'n' => '\n',
        't' => '\t',
        'r' => '\r',
        'f' => '\u{c}',
        'v' => '\u{b}',
        'd' => return Some(Part::Among(DIGIT)),
        'D' => return Some(Part::Out(DIGIT)),
        'w' => return Some(Part::Among(WORD)),
        'W' => return Some(Part::Out(WORD)),
        c if PUNCTUATION.contains(c) => c,
        _ => return None,
    };
    Some(Part::In(control, control))
}

#[cfg(test)]
mod tests {
    use super::Pattern;

    /// The outcome of Python's `re.search` for each pattern and text (more in
    /// tests/vectors/patterns.json, which Go's `regexp` is checked against).
    #[test]
    fn patterns_match_as_python_searches() {
        let shipped = "^[a-z][a-z0-9_.]*( [a-z0-9_.{}/-]+)*$";
        let cases: &[(&str, &str, bool)] = &[
            (shipped, "orders.lookup", true),
            (shipped, "get /orders/{id}", true),
            (shipped, "Lookup Orders", false),
            (shipped, "orders  lookup", false),
            (shipped, "a ", false),
            (shipped, "a-b", false),
            (shipped, "orders\n", false),
            ("^.+$", "Anything At All", true),
            ("^.+$", "", false),
            ("^.+$", "a\nb", false),
            ("lookup", "the lookup step", true),
            ("^lookup", "the lookup step", false),
            ("^(get|put) \\w+$", "put item_1", true),
            ("^(?:get|put) \\w+$", "post item", false),
            ("^\\w+$", "café", false),
            ("^\\W$", "é", true),
            ("^a{2,3}$", "aaa", true),
            ("^a{2,3}$", "aaaa", false),
            ("^a{2}$", "aa", true),
            ("^[^ ]+$", "no-space", true),
            ("^[^ ]+$", "a space", false),
            ("^\\d+\\.\\d$", "12.5", true),
            ("^\\d$", "٣", false),
            ("^(a*)*$", "aaaa", true),
            ("^(a*)*b$", &"a".repeat(5000), false),
            ("^[a\\-z]+$", "a-z", true),
            ("^[a\\-z]+$", "b", false),
            ("^[]a]+$", "]a", true),
            ("^[\\d\\W]+$", "1 é", true),
            ("^[\\d\\W]+$", "1a", false),
            ("^\\r\\v$", "\r\u{b}", true),
            ("^(|a)b$", "b", true),
        ];
        for &(pattern, text, want) in cases {
            let read = Pattern::new(pattern);
            assert!(read.readable(), "{pattern}");
            assert_eq!(read.matches(text), want, "{pattern} on {text:?}");
        }
    }

    /// What `scaffold` refuses, this does not read.
    #[test]
    fn patterns_it_cannot_read_match_nothing() {
        for pattern in [
            "(?=a)a",
            "(a)\\1",
            "\\bword",
            "a*?",
            "a++",
            "[b-a]",
            "(a",
            "a)",
            "*a",
            "^*",
            "[[:lower:]]",
            "(?i)a",
            "\\pL",
            "\\Aa\\z",
            "(?P<n>a)",
            "\\x41",
            "\\s",
            "x{,2}",
            "x{y}",
            "a{101}",
            "a{01}",
            "}",
            "[a-c-e]",
            "[\\d-z]",
            "[a&&b]",
            "[a||b]",
        ] {
            let read = Pattern::new(pattern);
            assert!(!read.readable(), "{pattern}");
            assert!(!read.matches("a"), "{pattern}");
        }
        let deep = format!("{}a{}", "(".repeat(40), ")".repeat(40));
        assert!(!Pattern::new(&deep).readable());
        let shallow = format!("{}a{}", "(".repeat(32), ")".repeat(32));
        assert!(Pattern::new(&shallow).matches("a"));
    }

    /// A long pattern (once a recursion per step) is read and matched on a
    /// thread with a small stack, and gives the answer Go and Python give.
    #[test]
    fn a_long_pattern_matches_on_a_small_stack() {
        let long = format!("^{}[a-z]+$", "a?".repeat(400));
        let nested = format!("{}a{}", "(?:".repeat(32), ")*".repeat(32));
        let answers = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(move || {
                let long = Pattern::new(&long);
                let nested = Pattern::new(&nested);
                [
                    long.matches("orders"),
                    long.matches(&"a".repeat(2000)),
                    long.matches("Orders"),
                    nested.matches(&"a".repeat(500)),
                ]
            })
            .expect("a thread")
            .join()
            .expect("no overflow");
        assert_eq!(answers, [true, true, false, true]);
    }
}
