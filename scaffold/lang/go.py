"""Go's identifier rules and the attribute type map."""

from __future__ import annotations

from scaffold.lang import LangRules

RULES = LangRules(
    name="go",
    keywords=frozenset(
        ["break", "case", "chan", "const", "continue", "default", "defer", "else", "fallthrough", "for", "func", "go", "goto", "if", "import", "interface", "map", "package", "range", "return", "select", "struct", "switch", "type", "var"]
    ),
    predeclared=frozenset(
        ["any", "append", "bool", "byte", "cap", "clear", "close", "complex", "complex128", "complex64", "copy", "delete", "error", "false", "float32", "float64", "imag", "int", "int16", "int32", "int64", "int8", "iota", "len", "make", "max", "min", "new", "nil", "panic", "print", "println", "real", "recover", "rune", "string", "true", "uint", "uint16", "uint32", "uint64", "uint8", "uintptr", "comparable", "context", "attribute", "http", "slog", "otel", "trace", "metric"]
    ),
    acronyms=frozenset(
        ["acl", "api", "ascii", "cpu", "css", "db", "dns", "eof", "grpc", "guid", "html", "http", "https", "id", "ip", "json", "jwt", "lhs", "qps", "ram", "rhs", "rpc", "sdk", "sla", "slo", "sql", "ssh", "tcp", "tls", "ttl", "udp", "ui", "uid", "uri", "url", "utf8", "uuid", "vm", "xml", "xmpp", "xsrf", "xss", "otlp", "os"]
    ),
    escape_suffix="_",
    value_types={
        "string": "string",
        "int": "int64",
        "double": "float64",
        "boolean": "bool",
        "string[]": "[]string",
        "int[]": "[]int64",
        "double[]": "[]float64",
        "boolean[]": "[]bool",
        "enum": "string",
    },
    attribute_ctors={
        "string": "attribute.String",
        "int": "attribute.Int64",
        "double": "attribute.Float64",
        "boolean": "attribute.Bool",
        "string[]": "attribute.StringSlice",
        "int[]": "attribute.Int64Slice",
        "double[]": "attribute.Float64Slice",
        "boolean[]": "attribute.BoolSlice",
        "enum": "attribute.String",
    },
)
