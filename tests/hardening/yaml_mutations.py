"""Mutating the shipped scenarios the way a hostile or careless edit would: cut, splice, repeat,
nest, alias and re-key. Shared by the fuzz test (hypothesis picks the mutations) and the longer
run in bench/fuzz_loader.py (a seeded random picks them)."""

from __future__ import annotations

import random
from pathlib import Path

SHIPPED = sorted((Path(__file__).parents[2] / "resources" / "scenarios").glob("*.yaml"))

SNIPPETS = [
    "&a ", "*a", "<<: *a\n", "? [1, 2]\n: x\n", "{x: ", "[", "]", "}", "- ", ": ", "\t",
    "!!binary ",
    "!!python/object:os.system ", "&b [*b]", "'", '"', "\\u0000", "%YAML 1.1\n", "---\n", "...\n",
    "? ", "!!set ", "~", "99999999999999999999h", "-1s", "1e309", ".nan", "0x", "\ufeff",
    "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
    "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
    "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n",
    "[" * 300, "{a: " * 100, "- " * 100,
]


def mutate(text: str, choices: list[tuple[int, int, int]]) -> str:
    """Apply mutations given as (kind, position, argument) triples (ints from any source)."""
    for kind, pos, arg in choices:
        at = pos % (len(text) + 1)
        k = kind % 6
        if k == 0:  # cut a span
            text = text[:at] + text[at + arg % 200:]
        elif k == 1:  # insert a snippet
            text = text[:at] + SNIPPETS[arg % len(SNIPPETS)] + text[at:]
        elif k == 2:  # repeat a line
            lines = text.splitlines(keepends=True) or [""]
            i = at % len(lines)
            text = "".join(lines[:i] + [lines[i]] * (1 + arg % 5) + lines[i:])
        elif k == 3:  # indent or dedent a line
            lines = text.splitlines(keepends=True) or [""]
            i = at % len(lines)
            lines[i] = (" " * (arg % 7) + lines[i]) if arg % 2 else lines[i].lstrip()
            text = "".join(lines)
        elif k == 4:  # swap two spans
            other = arg % (len(text) + 1)
            a, b = sorted((at, other))
            text = text[b:] + text[a:b] + text[:a]
        else:  # a random character
            text = text[:at] + chr(arg % 0x3000 or 32) + text[at:]
    return text


def random_case(rng: random.Random) -> tuple[Path, str]:
    src = rng.choice(SHIPPED)
    n = rng.randint(1, 6)
    return src, mutate(src.read_text(), [(rng.randrange(1 << 30), rng.randrange(1 << 30),
                                          rng.randrange(1 << 30)) for _ in range(n)])
