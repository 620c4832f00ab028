"""The claim registry: every checkable statement of Dayi & Chen with a check computing its verdict.

A claim module (one per area, in this package) declares :class:`Claim` objects with
:func:`register`. Each claim has a stable ID from ``shared/spec/claims.md``, the paper's location,
the statement **transcribed exactly as printed**, and its sub-checks (``DC-D1.a``, …), each with
its own printed statement. The check function runs every time a report is generated and returns
one :class:`Verdict` per sub-check; the claim's summary verdict is the worst of them.

Adding a claim: write (or extend) a module ``numerics/claims/<area>.py`` that calls
``register(Claim(...))`` at import time, and list the module in :data:`MODULES`.

>>> Verdict("DC-X.a", "confirmed", evidence={"lhs": 1, "rhs": 1}).status
'confirmed'
>>> worst(["confirmed", "erratum", "supported"])
'erratum'
"""

from __future__ import annotations

import importlib
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from numerics.serial import jsonable

__all__ = [
    "STATUSES",
    "SECTIONS",
    "Context",
    "Verdict",
    "SubCheck",
    "Claim",
    "register",
    "registry",
    "worst",
    "run_claim",
    "clean",
    "MODULES",
    "MEANING",
    "CORRECTED_AS",
    "GOOD",
    "PROBLEM",
    "Declaration",
    "judge_reading",
    "shorten",
    "join_items",
]

#: Verdicts, from best to worst (the summary of an ID is the worst of its sub-checks). The
#: order, worst first, is the catalogue's: refuted, erratum, not-supported, not-derived,
#: inconclusive, notation, loose, supported, confirmed.
STATUSES: tuple[str, ...] = (
    "confirmed",  # holds as printed
    "supported",  # statistical/asymptotic claim: evidence consistent at the sizes tried
    "loose",  # holds as printed; a sharper form the paper's own parameters give is verified
    "notation",  # false read literally, true in a convention the paper declares (page cited)
    "inconclusive",  # with the reason
    "not-derived",  # does not follow from the results the proof cites; not shown false either
    "not-supported",  # statistical/asymptotic claim: evidence against it
    "erratum",  # fails as printed; the corrected form named in `corrected` was verified instead
    "refuted",  # fails, no correction found
)

#: What each verdict word says (the report and ``lowrank --help`` print these).
MEANING: dict[str, str] = {
    "confirmed": "holds as printed (exactly, or within a stated error bound)",
    "supported": "a statistical or asymptotic statement: the evidence at the sizes tried is "
                 "consistent with it",
    "loose": "holds as printed, and a sharper form that the paper's own parameters or lemmas "
             "give is verified beside it",
    "notation": "false read literally, true in a convention the paper declares before the "
                "statement in the same section or in its proof (the page is cited)",
    "inconclusive": "the check could not decide (the reason is given)",
    "not-derived": "does not follow from the results its proof cites; not shown false either",
    "not-supported": "a statistical or asymptotic statement: the evidence at the sizes tried "
                     "is against it",
    "erratum": "fails as printed; the corrected form named beside it is verified instead",
    "refuted": "fails as printed, and no correction was found",
}

#: What ``Verdict.corrected`` holds, by verdict word (how reports label it).
CORRECTED_AS: dict[str, str] = {
    "erratum": "corrected form (verified instead)",
    "loose": "sharper form (verified beside it)",
    "notation": "in the declared convention (verified)",
    "not-derived": "what the cited results give",
    "refuted": "corrected form",
    "not-supported": "corrected form",
}

#: Verdicts that say a printed statement holds (possibly loosely or in a declared convention).
GOOD: frozenset[str] = frozenset({"confirmed", "supported", "loose", "notation"})
#: Verdicts that report something about the printed text (a finding), not about the tool.
PROBLEM: frozenset[str] = frozenset({"loose", "notation", "not-derived", "not-supported",
                                     "erratum", "refuted"})

#: Report sections: the catalogue's claims, related systems (``LO-*``, ``NTK-*``) and the
#: project's own extensions (``EXT-*``); the last two are counted apart from the catalogue.
SECTIONS: tuple[str, ...] = ("catalogue", "related", "extension")

#: Claim modules imported by :func:`registry` (add yours here).
MODULES: list[str] = [  # named after the paper's parts, in the paper's order
    "numerics.claims.glm",  # §1.2: DC-GLME
    "numerics.claims.hermite",  # §1.4, App. A.1: DC-H, DC-A6
    "numerics.claims.gradient",  # §3.1 Prop. 4, App. D.1: DC-P4, DC-D1
    "numerics.claims.gradient_mc",  # Prop. 4 by Monte Carlo: DC-P4-MC
    "numerics.claims.orthonormal",  # §3.2.1, App. D.4: DC-EQ7
    "numerics.claims.series",  # §3.2.2, Eq. 14: DC-SUM
    "numerics.claims.sign_condition",  # §3.2, D.4–D.5: DC-C1, DC-L6, DC-P7, DC-L8
    "numerics.claims.anticoncentration",  # D.3: DC-C3, L25, L26, L28, P29, C4, P30
    "numerics.claims.rates",  # App. A.2, C.1–C.2: DC-RATES, DC-C1R
    "numerics.claims.moments",  # C.2, D.2: DC-L17
    "numerics.claims.sgd_analysis",  # C.1, App. E: DC-T16W, DC-APPE
    "numerics.claims.first_moment",  # App. A.2.2 Remark 14: DC-R14
    "numerics.claims.large_xi",  # App. C Remark 15: DC-R15
    "numerics.claims.recursion",  # §3.1, App. C.1: DC-ODE
    "numerics.claims.separation",  # App. C.3: DC-C2, DC-P18
    "numerics.claims.identifiability",  # App. F.1: DC-EX1
    "numerics.claims.learning_teacher",  # App. F.2: DC-T36
    "numerics.claims.simulations",  # App. B: DC-FIG2 … DC-FIG6
    "numerics.claims.scaling",  # App. A.2, C.3, §1.2–1.3: DC-T11, T12, T13, T19, DC-GLM
    "numerics.claims.related",  # related systems: LO-*, NTK-* (section "related")
    "numerics.claims.rank_r",  # beyond the paper (own derivation): EXT-R1 … EXT-R7
]


def worst(statuses: Iterable[str]) -> str:
    """The worst status of an iterable (``confirmed`` if it is empty).

    >>> worst(["supported", "confirmed"])
    'supported'
    """
    ranks = [STATUSES.index(s) for s in statuses]
    return STATUSES[max(ranks)] if ranks else STATUSES[0]


@dataclass(frozen=True)
class Declaration:
    """A convention the paper declares, which a ``notation`` verdict may rest on.

    ``where`` is ``"proof"`` (printed in the statement's proof), ``"before"`` (printed before
    the statement in the same section) or ``"elsewhere"``; only the first two count (the
    catalogue's rule). ``page`` and ``quote`` cite it.

    >>> Declaration("p.32", "we are restricting training and gradients", "proof").counts
    True
    """

    page: str
    quote: str
    where: str

    @property
    def counts(self) -> bool:
        return self.where in ("proof", "before")

    def cite(self) -> str:
        where = {"proof": "in its proof", "before": "before it, same section"}.get(
            self.where, "another section")
        return f"{self.page} ({where}): “{self.quote}”"


def judge_reading(literal: bool, declared: bool, declarations: Iterable[Declaration] = (),
                  holds: str = "confirmed") -> tuple[str, str]:
    """The verdict of a statement checked under two readings: literally, and in the convention
    the paper declares. Returns ``(status, why)``.

    ``holds`` is the word for a statement that holds (``confirmed`` for exact checks,
    ``supported`` for statistical ones). Literally true: ``holds``. Literally false but true in
    a declared convention that counts (:class:`Declaration`): ``notation``. Literally false and
    true only in a reading the paper does not declare there: ``erratum`` (the reading is the
    corrected form). False in both: ``refuted``.

    >>> judge_reading(False, True, [Declaration("p.32", "…", "proof")])[0]
    'notation'
    >>> judge_reading(False, True, [Declaration("p.8", "…", "elsewhere")])[0]
    'erratum'
    """
    decl = list(declarations)
    counted = [x for x in decl if x.counts]
    if literal:
        return holds, "holds as printed (read literally)"
    if declared and counted:
        return "notation", ("false read literally; true in the convention declared at "
                            + "; ".join(x.cite() for x in decl))
    if declared:
        return "erratum", ("false read literally; true in a reading the paper does not declare "
                           "before the statement or in its proof" + (
                               " (declared only at " + "; ".join(x.cite() for x in decl) + ")"
                               if decl else ""))
    return "refuted", "false read literally and in the declared convention"


_OPEN, _CLOSE = "([{⟨", ")]}⟩"


def _top_level_cuts(text: str, sep: str) -> list[int]:
    """Indices where ``sep`` occurs outside every bracket pair."""
    depth, cuts, i = 0, [], 0
    while i < len(text):
        ch = text[i]
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(depth - 1, 0)
        elif depth == 0 and text.startswith(sep, i):
            cuts.append(i)
        i += 1
    return cuts


_PROSE = re.compile(r"[A-Za-z]{2,} ")
_SENTENCE = re.compile(r"[A-Z]")


def shorten(text: str, limit: int) -> str:
    """One line of at most about ``limit`` characters that ends at a whole item.

    Items end, outside brackets, at ``"; "``, else at a sentence end (``". "`` before a
    capital), else at ``", "`` before a word of prose (two or more Latin letters and a space,
    so not inside a formula such as ``C_σ, ρ > 0``, ``k = 4, d = 11`` or ``max{a, b}``). The
    text is never cut inside an item, so never inside a number or a formula: if even the first
    item is longer than ``limit``, the text ends after it. A shortened text ends with `` …``.

    >>> shorten("ratios 8/125 and 16/81; corrected form holds", 30)
    'ratios 8/125 and 16/81 …'
    >>> shorten("There exists C_σ, ρ > 0 such that |μ_p| ≤ C_σ p^{−1−ρ}, for all p", 40)
    'There exists C_σ, ρ > 0 such that |μ_p| ≤ C_σ p^{−1−ρ} …'
    >>> shorten("a long formula (x + y, z)", 5)
    'a long formula (x + y, z)'
    """
    s = " ".join(str(text if text is not None else "").split())
    if len(s) <= limit:
        return s
    rules = (("; ", None), (". ", _SENTENCE), (", ", _PROSE))
    for sep, after in rules:
        cuts = [i for i in _top_level_cuts(s, sep)
                if after is None or after.match(s, i + len(sep))]
        fits = [i for i in cuts if i <= limit - 2]
        if fits:
            return s[: fits[-1] + (1 if sep == ". " else 0)].rstrip() + " …"
    first = min((i for sep, after in rules for i in _top_level_cuts(s, sep)
                 if after is None or after.match(s, i + len(sep))), default=None)
    return s if first is None else s[: first].rstrip() + " …"


def join_items(items: Iterable[Any], limit: int, sep: str = ", ") -> str:
    """Join whole items up to about ``limit`` characters; the rest is counted, not cut.

    >>> join_items(["16/625", "16/81", "8/125"], 14)
    '16/625, 16/81, … (1 more)'
    """
    items = [str(x) for x in items]
    out: list[str] = []
    for x in items:
        if out and len(sep.join([*out, x])) > limit:
            break
        out.append(x)
    rest = len(items) - len(out)
    return sep.join(out) + (f"{sep}… ({rest} more)" if rest else "")


@dataclass(frozen=True)
class Context:
    """What a check may depend on: the profile of sizes, the seed, extra activations.

    ``profile`` is ``quick`` (≤ 1 min for the whole report), ``standard`` (the committed
    report) or ``paper`` (the paper's own sizes). Checks derive every random stream from
    ``seed`` (``numpy.random.default_rng([seed, <claim-specific int>])``), so two runs with the
    same context give identical verdicts and numbers.
    """

    profile: str = "standard"
    seed: int = 20251125
    activations: tuple[str, ...] = ()
    #: ``lowrank check ID --budget N``: the examples (searches) or draws (sampling) a claim
    #: with a non-empty ``Claim.budget`` uses instead of its profile's; None: the profile's.
    budget: int | None = None
    #: called as ``progress(examples_done, worst_so_far)`` by searches and samplers (CLI bar)
    progress: Callable[[int, float], None] | None = field(default=None, compare=False,
                                                          repr=False)

    def size(self, quick, standard, paper=None):
        """Pick a size by profile: ``ctx.size(10, 100, 1000)``."""
        return {"quick": quick, "standard": standard, "paper": paper if paper is not None
                else standard}[self.profile]

    def budgeted(self, quick, standard, paper=None):
        """The search or sample size: ``budget`` if set, else :meth:`size`."""
        return self.budget if self.budget else self.size(quick, standard, paper)


@dataclass
class Verdict:
    """The computed verdict of one sub-check.

    ``evidence`` holds the quantities compared (JSON-serialisable: numbers, strings, lists,
    dicts), ``tolerance`` and ``justification`` say what counts as agreement and why (exact
    arithmetic, quadrature error estimate, confidence interval, float precision),
    ``corrected`` is the form verified instead of or beside the printed one: the corrected
    statement (``erratum``), the sharper bound (``loose``) or the statement in the declared
    convention (``notation``). ``why`` says why the verdict is this word and not a
    neighbouring one (e.g. why an erratum is not a loose bound), ``reason`` is required for
    ``inconclusive``. ``summary`` is the one-line evidence for the table.
    """

    id: str
    status: str
    summary: str = ""
    evidence: dict[str, Any] = field(default_factory=dict)
    tolerance: str = ""
    justification: str = ""
    corrected: str | None = None
    why: str = ""
    reason: str | None = None
    convention: str = ""
    seeds: list[int] = field(default_factory=list)
    sizes: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    figures: list[str] = field(default_factory=list)

    def __post_init__(self):
        if self.status not in STATUSES:
            raise ValueError(f"unknown status {self.status!r}; use one of {STATUSES}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class SubCheck:
    """A printed statement under an ID: ``SubCheck("DC-D1.a", "p.31", "<as printed>")``."""

    id: str
    location: str
    statement: str


@dataclass(frozen=True)
class Claim:
    """A claim of the catalogue.

    ``check(ctx)`` returns one :class:`Verdict` per declared sub-check (same IDs, same order).
    ``needs`` is ``"theory"`` for exact/symbolic checks and ``"numerics"`` for those that
    simulate or sample. ``figure`` checks may write PNGs into a directory given by the report
    writer (``check(ctx, figdir)`` when ``wants_figdir``).
    """

    id: str
    location: str
    title: str
    convention: str
    subchecks: tuple[SubCheck, ...]
    check: Callable[..., list[Verdict]]
    needs: str = "theory"
    wants_figdir: bool = False
    section: str = "catalogue"
    #: what ``Context.budget`` counts for this claim ("" = nothing to search or sample)
    budget: str = ""

    def __post_init__(self):
        if self.section not in SECTIONS:
            raise ValueError(f"unknown section {self.section!r}; use one of {SECTIONS}")


_REGISTRY: dict[str, Claim] = {}


def register(claim: Claim) -> Claim:
    """Add a claim to the registry (IDs are unique)."""
    if claim.id in _REGISTRY and _REGISTRY[claim.id] is not claim:
        raise ValueError(f"claim {claim.id} registered twice")
    _REGISTRY[claim.id] = claim
    return claim


def registry() -> dict[str, Claim]:
    """All claims, importing every module in :data:`MODULES` first, in catalogue order."""
    for mod in MODULES:
        importlib.import_module(mod)
    return dict(_REGISTRY)


def clean(verdicts: list[Verdict]) -> list[Verdict]:
    """Make each verdict's evidence and sizes JSON-safe in place (exact sympy values become
    strings, numpy/mpmath scalars Python numbers): see :func:`numerics.serial.jsonable`."""
    for v in verdicts:
        v.evidence = jsonable(v.evidence)
        v.sizes = jsonable(v.sizes)
    return verdicts


def run_claim(claim: Claim, ctx: Context, figdir=None) -> list[Verdict]:
    """Run one claim's check; a check that raises becomes an ``inconclusive`` verdict per
    sub-check with the error as reason (a report is never lost to one failing check)."""
    t0 = time.perf_counter()
    try:
        verdicts = claim.check(ctx, figdir) if claim.wants_figdir else claim.check(ctx)
    except Exception as err:  # noqa: BLE001 - reported, not swallowed
        verdicts = [
            Verdict(s.id, "inconclusive", summary=f"check raised {type(err).__name__}",
                    reason=f"{type(err).__name__}: {err}")
            for s in claim.subchecks
        ]
    want = [s.id for s in claim.subchecks]
    got = [v.id for v in verdicts]
    if got != want:
        raise RuntimeError(f"{claim.id}: check returned sub-checks {got}, declared {want}")
    dt = time.perf_counter() - t0
    clean(verdicts)
    for v in verdicts:
        if not v.seconds:
            v.seconds = round(dt / max(len(verdicts), 1), 3)
        if not v.convention:
            v.convention = claim.convention
    return verdicts
