"""Proving a slide's claims (``### claim::`` / ``### proof::``).

``prove_claims(interpreter, slide)`` evaluates each proof of each claim
of ``slide`` in the deck's namespace, as it is after the slide's code
ran, and returns a :class:`Verdict` per proof.  A proof is proven when
its value is truthy; false, or an exception, is a failure with a
reason.

A proof is silent and leaves no trace in what the run records: it is
evaluated inside a capture whose sink drops everything, so what it
prints, what it logs and the SQL it sends never reach the screen, a
transcript or a handout.  It runs in a shallow copy of the namespace
(a walrus in a proof names nothing afterwards).  What it cannot undo is
state: a proof that lazy-loads a relationship, or autobegins a session,
leaves it loaded or begun, exactly as the same expression typed at
``>>>`` would.  So a proof should look, not act: test what the slide
showed or what is already loaded, and reach the database on a
connection of its own (a helper function the deck defines) rather than
through the slide's session.

Headless runs (``--run-all``, ``check``, handouts) prove every claim of
every slide that ran as intended, right after it ran; a failing proof
fails the run (``sliderepl.run.headless``).  The REPL evaluates them only
when asked (``!claims``): nothing of ours runs code the learner didn't
type.
"""

from __future__ import annotations

from dataclasses import dataclass

from sliderepl.deck.model import Claim, Proof, Slide
from sliderepl.run import active
from sliderepl.run.capture import Capture
from sliderepl.run.events import Event
from sliderepl.run.execution import Interpreter


@dataclass(frozen=True)
class Verdict:
    """How one proof of ``claim`` came out: ``proven``, else ``reason``
    (``False``, or the exception as ``Type: message``)."""

    claim: Claim
    proof: Proof
    proven: bool
    reason: str = ""

    def problem(self, slide: Slide) -> str:
        """``FILE:LINE: claim not proven: TEXT (proof: EXPR -> WHY)``."""
        expression = " ".join(self.proof.source.split())
        return (f"{slide.path}:{self.proof.line}: claim not proven: "
                f"{self.claim.text} (proof: {expression} -> {self.reason})")


def _discard(event: Event) -> None:
    pass


def prove_claims(interpreter: Interpreter, slide: Slide) -> list[Verdict]:
    """A verdict for every proof of every claim of ``slide``."""
    found: list[Verdict] = []
    for claim in slide.claims:
        for proof in claim.proofs:
            found.append(_prove(interpreter, claim, proof))
    return found


def _prove(interpreter: Interpreter, claim: Claim, proof: Proof) -> Verdict:
    try:
        code = compile(proof.source, str(claim_path(interpreter)), "eval",
                       dont_inherit=True)
    except (SyntaxError, ValueError) as exc:
        return Verdict(claim, proof, False, _reason(exc))
    scope = dict(interpreter.namespace)
    try:
        with active.running(), Capture(_discard, interpreter.main, True):
            value = eval(code, scope)
            proven = bool(value)
    except (Exception, SystemExit) as exc:
        return Verdict(claim, proof, False, _reason(exc))
    if proven:
        return Verdict(claim, proof, True)
    return Verdict(claim, proof, False, _shown(value))


def claim_path(interpreter: Interpreter) -> str:
    """The file name proofs are compiled under: the deck's."""
    name = interpreter.namespace.get("__file__")
    return name if isinstance(name, str) else "<proof>"


def _shown(value: object) -> str:
    try:
        text = repr(value)
    except Exception:
        text = f"a false {type(value).__name__}"
    return text if len(text) <= 60 else text[:57] + "..."


def _reason(exc: BaseException) -> str:
    message = str(exc).strip().split("\n")[0]
    name = type(exc).__name__
    return f"{name}: {message}" if message else name
