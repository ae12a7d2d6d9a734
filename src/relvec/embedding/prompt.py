"""Prompt templates: where a word pair is written into a sentence for the encoder to read.

A template holds exactly one ``<subj>``, one ``<obj>`` and one ``<mask>``. The encoders relvec ships have no
masked-LM head, so ``<mask>`` is filled with the tokenizer's own mask token: its hidden state is a slot the
encoder fills with what it reads between the two words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from relvec.errors import invalid
from relvec.pairs import Pair

SUBJ, OBJ, MASK = "<subj>", "<obj>", "<mask>"

#: The five templates of the RelBERT paper, by the letters it uses; ``d`` is its default.
TEMPLATES: dict[str, str] = {
    "a": "Today, I finally discovered the relation between <subj> and <obj> : <subj> is the <mask> of <obj>",
    "b": "Today, I finally discovered the relation between <subj> and <obj> : <obj> is <subj>'s <mask>",
    "c": "Today, I finally discovered the relation between <subj> and <obj> : <mask>",
    "d": "I wasn’t aware of this relationship, but I just read in the encyclopedia that <subj> is the <mask> of <obj>",
    "e": "I wasn’t aware of this relationship, but I just read in the encyclopedia that <obj> is <subj>’s <mask>",
}
DEFAULT_TEMPLATE = "d"
_SLOT = re.compile("(" + "|".join(re.escape(slot) for slot in (SUBJ, OBJ, MASK)) + ")")


@dataclass(frozen=True)
class Template:
    """A prompt with one ``<subj>``, one ``<obj>`` and one ``<mask>`` slot.

    ``<subj>`` and ``<obj>`` may each appear more than once in the paper's templates (``a`` names the
    head twice), so the rule is: each placeholder at least once, and ``<mask>`` exactly once.
    """

    text: str

    def __post_init__(self) -> None:
        if not isinstance(self.text, str):
            raise invalid("template", self.text, "a template name (a-e) or a string")
        counts = {slot: self.text.count(slot) for slot in (SUBJ, OBJ, MASK)}
        if counts[SUBJ] < 1 or counts[OBJ] < 1 or counts[MASK] != 1:
            raise invalid(
                "template",
                self.text,
                f"one of the names {', '.join(TEMPLATES)} or a string with {SUBJ}, {OBJ} and exactly one {MASK}",
            )

    @classmethod
    def from_name_or_text(cls, template: str | Template) -> Template:
        """``'a'``..``'e'`` pick a paper template; any other string is taken as a custom template."""
        if isinstance(template, Template):
            return template
        if isinstance(template, str) and template in TEMPLATES:
            return cls(TEMPLATES[template])
        return cls(template)

    @property
    def name(self) -> str | None:
        """The paper's letter for this template, or None for a custom one."""
        return next((name for name, text in TEMPLATES.items() if text == self.text), None)

    def render(self, pair: Pair, mask_token: str) -> str:
        """Write ``pair`` into the template, with ``mask_token`` in the mask slot."""
        return self.render_with_spans(pair, mask_token)[0]

    def render_with_spans(
        self, pair: Pair, mask_token: str
    ) -> tuple[str, list[tuple[int, int]], list[tuple[int, int]]]:
        """The prompt and the character spans ``(start, end)`` of every occurrence of the head and the tail."""
        fill = {SUBJ: pair[0], OBJ: pair[1], MASK: mask_token}
        spans: dict[str, list[tuple[int, int]]] = {SUBJ: [], OBJ: []}
        pieces, length = [], 0
        # One pass over the template text, so a word that itself reads "<obj>" or "<mask>" is left as it is.
        for piece in _SLOT.split(self.text):
            text = fill.get(piece, piece)
            if piece in spans:
                spans[piece].append((length, length + len(text)))
            pieces.append(text)
            length += len(text)
        return "".join(pieces), spans[SUBJ], spans[OBJ]
