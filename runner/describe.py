"""What ``python -m runner list`` and ``action NAME --help`` print, read from the YAMLs."""

import difflib
import json
import shutil
import textwrap

from . import PACK_REF, loader

# The one runner this runner implements; any other runner_type needs StackStorm itself.
RUNNER_TYPE = "python-script"
ST2_ONLY = "(StackStorm only)"
WHY_ST2_ONLY = {
    "orquesta": "an Orquesta workflow",
    "action-chain": "an ActionChain workflow",
    "mistral-v2": "a Mistral workflow",
}
MAX_WIDTH = 100
INDENT = "      "


def width():
    return max(60, min(MAX_WIDTH, shutil.get_terminal_size((MAX_WIDTH, 24)).columns))


def runs_here(meta):
    return (meta or {}).get("runner_type") == RUNNER_TYPE


def why_st2_only(meta):
    kind = (meta or {}).get("runner_type")
    return WHY_ST2_ONLY.get(kind, "a %s action" % kind)


def first_sentence(text):
    text = " ".join((text or "").split())
    for i, char in enumerate(text):
        if char == "." and (i + 1 == len(text) or text[i + 1] == " "):
            return text[:i + 1]
    return text


def _clip(text, room):
    return text if len(text) <= room else text[:max(0, room - 3)].rstrip() + "..."


def list_lines(cols=None):
    """One line per action and sensor: name, first sentence of its description, clipped."""
    cols = cols or width()
    names = loader.action_names()
    metas = {name: loader.action_meta(name) for name in names}
    sensors = loader.sensor_metas()
    name_width = max(len(n) for n in list(names) + list(sensors))
    lines, elsewhere = [], []
    for name in names:
        meta = metas[name]
        tag = "" if runs_here(meta) else ST2_ONLY + " "
        if tag:
            elsewhere.append((name, meta))
        head = "action  %-*s  " % (name_width, name)
        lines.append(head + _clip(tag + first_sentence(meta.get("description")),
                                  cols - len(head)))
    for name, meta in sensors.items():
        head = "sensor  %-*s  " % (name_width, name)
        lines.append(head + _clip(first_sentence(meta.get("description")), cols - len(head)))
    lines.append("")
    lines.append("Parameters of an action: python -m runner action NAME --help")
    for reason in sorted(set(why_st2_only(meta) for _, meta in elsewhere)):
        lines.append("%s %s: only StackStorm runs it (st2 run)." % (ST2_ONLY, reason))
    return lines


def close_names(name, names, limit=6):
    """Names a mistyped ``name`` probably meant: similar spellings, then names containing it."""
    wanted = name.lower()
    found = difflib.get_close_matches(wanted, names, n=3, cutoff=0.7)
    for candidate in names:
        if len(found) >= limit:
            break
        if wanted and wanted in candidate and candidate not in found:
            found.append(candidate)
    return found


def unknown(kind, name, names):
    """One line for a name that is not there: what it might have been, where the list is."""
    near = close_names(name, names)
    hint = ("did you mean %s?" % ", ".join(near)) if near else "no similar name"
    return "no %s '%s' (%s); python -m runner list shows all %d %ss" % (
        kind, name, hint, len(names), kind)


# -- action --help ---------------------------------------------------------------------------

def _type_of(spec):
    kind = spec.get("type") or "any type"
    items = spec.get("items")
    if kind == "array" and isinstance(items, dict) and items.get("type"):
        kind = "array of %s" % items["type"]
    return kind


def _secret_fields(spec, path=""):
    """Paths of the values nested in ``spec`` that are marked secret."""
    out = []
    if not isinstance(spec, dict):
        return out
    for name, sub in (spec.get("properties") or {}).items():
        if isinstance(sub, dict) and sub.get("secret") is True:
            out.append(path + name)
        else:
            out.extend(_secret_fields(sub, path + name + "."))
    items = spec.get("items")
    if isinstance(items, dict):
        out.extend(_secret_fields(items, path))
    return out


def _fields(spec):
    """The fields of an object (or of each item of an array), required ones starred."""
    target = spec.get("items") if isinstance(spec.get("items"), dict) else spec
    props = target.get("properties") or {}
    return ", ".join(name + ("*" if isinstance(sub, dict) and sub.get("required") else "")
                     for name, sub in props.items())


def _limits(spec):
    words = []
    for key, label in (("minimum", ">="), ("maximum", "<="), ("minLength", "min length"),
                       ("maxLength", "max length"), ("minItems", "min items"),
                       ("maxItems", "max items")):
        if key in spec:
            words.append("%s %s" % (label, spec[key]))
    if "pattern" in spec:
        words.append("matching %s" % spec["pattern"])
    return words


def _shown(value):
    return json.dumps(value, default=str)


def _parameter_lines(name, spec, cols):
    spec = spec if isinstance(spec, dict) else {}
    facts = [_type_of(spec), "required" if spec.get("required") else "optional"]
    if spec.get("secret") is True:
        facts.append("secret")
    if "default" in spec:
        facts.append("default %s" % ("(secret)" if spec.get("secret") is True
                                     else _shown(spec["default"])))
    if spec.get("immutable"):
        facts.append("immutable")
    facts.extend(_limits(spec))
    wrap = textwrap.TextWrapper(width=cols, initial_indent=INDENT, subsequent_indent=INDENT,
                                break_on_hyphens=False)
    lines = textwrap.wrap("%s  (%s)" % (name, ", ".join(facts)), width=cols,
                          initial_indent="  ", subsequent_indent=INDENT)
    if "enum" in spec:
        lines.extend(wrap.wrap("one of: " + ", ".join(_shown(v) for v in spec["enum"])))
    description = " ".join(str(spec.get("description") or "").split())
    if description:
        lines.extend(wrap.wrap(description))
    fields = _fields(spec)
    if fields:
        lines.extend(wrap.wrap("fields (* required): " + fields))
    secrets = _secret_fields(spec)
    if secrets:
        lines.extend(wrap.wrap("secret, never shown in errors: " + ", ".join(secrets)))
    return lines


def _value_hint(spec):
    kind = (spec or {}).get("type")
    if kind == "object":
        return "'{...}'"
    if kind == "array":
        return "'[...]'"
    return kind.upper() if kind else "VALUE"


def action_help(name, cols=None):
    cols = cols or width()
    meta = loader.action_meta(name)
    params = meta.get("parameters") or {}
    required = [n for n, s in params.items() if isinstance(s, dict) and s.get("required")]
    required.sort(key=lambda n: params[n].get("position", len(params)))
    optional = [n for n in params if n not in required]
    wrap = textwrap.TextWrapper(width=cols, break_on_hyphens=False)
    usage = "usage: python -m runner action %s %s" % (
        name, " ".join(["%s=%s" % (n, _value_hint(params[n])) for n in required] +
                       (["[key=value ...]"] if optional else [])))
    lines = textwrap.wrap(usage, width=cols, subsequent_indent=" " * 8,
                          break_long_words=False, break_on_hyphens=False)
    lines.append("")
    lines.extend(wrap.wrap(" ".join(str(meta.get("description") or "").split())))
    if not runs_here(meta):
        lines.append("")
        lines.extend(wrap.wrap("%s %s: StackStorm's own runner executes it, python -m "
                               "runner cannot. Run it with st2 run %s.%s."
                               % (ST2_ONLY, why_st2_only(meta), PACK_REF, name)))
    lines.append("")
    if not params:
        lines.append("parameters: none")
    else:
        lines.append("parameters (required first):")
        for pname in required + optional:
            lines.extend(_parameter_lines(pname, params[pname], cols))
    lines.append("")
    lines.extend(wrap.wrap(
        "Values are given as key=value and cast as st2 run casts them: integers and numbers "
        "as written, booleans as true/false, objects as JSON, arrays as JSON or a "
        "comma-separated list. Quote JSON for the shell."))
    return "\n".join(lines)
