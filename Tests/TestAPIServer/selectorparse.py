"""Label and field selectors with apimachinery's syntax and semantics.

(Not named `selectors`: that would shadow the stdlib module socketserver uses.)

Label selectors: `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`, `k`, `!k`,
`k>1`, `k<1`; a comma is AND. `!=` and `notin` also match objects without the key.
Field selectors: `f=v`, `f==v`, `f!=v` on the resource's known fields, with `\\`
escapes for `,` `=` and backslash.
"""

import re

from status import bad_request

_NAME = r"[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?"
_KEY_RE = re.compile(rf"^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?{_NAME}$")
_VALUE_RE = re.compile(rf"^({_NAME})?$")


def _split_top_level(text):
    """Split on commas outside parentheses (`a in (x,y),b` is two requirements)."""
    parts, depth, cur = [], 0, []
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return parts


def _check_key(key, text):
    if not _KEY_RE.match(key) or len(key.split("/")[-1]) > 63:
        raise bad_request(f"unable to parse requirement: invalid label key {key!r} in {text!r}")


def _check_value(value, text):
    if not _VALUE_RE.match(value) or len(value) > 63:
        raise bad_request(f"unable to parse requirement: invalid label value {value!r} in {text!r}")


_SET_RE = re.compile(r"^\s*(\S+?)\s+(in|notin)\s*\((.*)\)\s*$")
_OP_RE = re.compile(r"^\s*([^=!<>\s]+)\s*(==|=|!=|>|<)\s*(.*?)\s*$")
_EXISTS_RE = re.compile(r"^\s*(!?)\s*([^=!<>\s(),]+)\s*$")


class LabelSelector:
    """A parsed label selector; an empty one matches everything."""

    def __init__(self, text=""):
        self.text = text or ""
        self.requirements = []  # (key, op, values)
        if not self.text.strip():
            return
        for part in _split_top_level(self.text):
            self.requirements.append(self._parse_requirement(part))

    def _parse_requirement(self, part):
        text = self.text
        m = _SET_RE.match(part)
        if m:
            key, op, inner = m.group(1), m.group(2), m.group(3)
            _check_key(key, text)
            values = [v.strip() for v in inner.split(",")]
            if values == [""]:
                raise bad_request(f"unable to parse requirement: for 'in', 'notin' operators, values set can't be empty: {text!r}")
            for v in values:
                _check_value(v, text)
            return key, op, set(values)
        m = _OP_RE.match(part)
        if m:
            key, op, value = m.groups()
            _check_key(key, text)
            if op in (">", "<"):
                try:
                    int(value)
                except ValueError:
                    raise bad_request(f"unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an integer: {text!r}")
            else:
                _check_value(value, text)
            return key, {"==": "=", "=": "="}.get(op, op), {value}
        m = _EXISTS_RE.match(part)
        if m:
            _check_key(m.group(2), text)
            return m.group(2), ("!" if m.group(1) else "exists"), set()
        raise bad_request(f"unable to parse requirement: couldn't parse the selector string {text!r}")

    def matches(self, labels):
        labels = labels or {}
        for key, op, values in self.requirements:
            present = key in labels
            if op == "exists" and not present:
                return False
            if op == "!" and present:
                return False
            if op in ("=", "in") and not (present and labels[key] in values):
                return False
            if op in ("!=", "notin") and present and labels[key] in values:
                return False
            if op in (">", "<"):
                try:
                    have, want = int(labels.get(key, "")), int(next(iter(values)))
                except ValueError:
                    return False
                if (op == ">" and not have > want) or (op == "<" and not have < want):
                    return False
        return True

    def __bool__(self):
        return bool(self.requirements)


def _split_unescaped(text, sep):
    out, cur, i = [], [], 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            cur.append(text[i:i + 2])
            i += 2
            continue
        if ch == sep:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
        i += 1
    out.append("".join(cur))
    return out


def _unescape(value):
    return re.sub(r"\\(.)", r"\1", value)


class FieldSelector:
    """A parsed field selector, checked against the resource's selectable fields."""

    def __init__(self, text, resource):
        self.text = text or ""
        self.requirements = []  # (field, op, value)
        self.resource = resource
        if not self.text.strip():
            return
        known = resource.selectable_fields()
        for term in _split_unescaped(self.text, ","):
            for op in ("!=", "==", "="):
                idx = term.find(op)
                if idx > 0:
                    field, value = term[:idx].strip(), _unescape(term[idx + len(op):].strip())
                    break
            else:
                raise bad_request(f"invalid selector: '{self.text}'; can't understand '{term}'")
            if field not in known:
                listed = ", ".join(f'"{f}"' for f in known)
                raise bad_request(f'"{field}" is not a known field selector: only {listed}')
            self.requirements.append((field, "!=" if op == "!=" else "=", value))

    def add(self, field, value):
        self.requirements.append((field, "=", value))

    def matches(self, obj):
        for field, op, value in self.requirements:
            have = self.resource.field_value(obj, field)
            if (have == value) != (op == "="):
                return False
        return True

    def __bool__(self):
        return bool(self.requirements)
