"""Candidate milestones from a document's text, by cue phrases, dates, places and figures.

Each sentence is read on its own: a cue phrase (`cues.toml`) gives the milestone type, the
nearest date expression gives `occurred` (else a date framing the paragraph, else "known by the
publication date"), the places in it give the regions, programme names and aliases give the
programmes, and plan words (力争, 探索…) mark a plan rather than an achievement. Every choice is
written into the candidate's `reasons`, and each fallback lowers its `confidence`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from datetime import date

from events.dates import parse_edtf
from events.reference import Programme, Region
from timeline.curation.candidates import Candidate, Evidence, Figure, candidate_id
from timeline.curation.dates import DateMention, DateReader
from timeline.curation.figures import Figure as FoundFigure
from timeline.curation.figures import FigureReader
from timeline.curation.paragraphs import sentences, split_paragraphs
from timeline.curation.places import Lineage, Matcher, RegionMention, region_matcher
from timeline.curation.roles import RoleReader, Roles
from timeline.curation.rules import CueRules, DateRules, TypeCues, cue_pattern
from timeline.curation.wording import draft_details, draft_title

_ACHIEVED_STATUSES = ("designated", "launched", "awarded", "rated")


class Extractor:
    """Proposes candidates; build once per catalogue and rule set, call `extract` per document."""

    def __init__(
        self,
        *,
        date_rules: DateRules,
        cue_rules: CueRules,
        regions: Iterable[Region],
        programmes: Iterable[Programme],
        matcher: Matcher | None = None,
    ) -> None:
        self.regions = {r.code: r for r in regions}
        self.programmes = {p.slug: p for p in programmes}
        self.dates = DateReader(date_rules)
        self.figures = FigureReader(cue_rules.units)
        self.rules = cue_rules
        self.roles = RoleReader(cue_rules.roles, self.regions)
        self.matcher = matcher or region_matcher(self.regions.values())
        self.lineage = Lineage(self.regions)
        self.cues = [(t, [(c, cue_pattern(c, cue_rules.gap)) for c in t.cues]) for t in cue_rules.types]
        names = {alias: slug for slug, p in self.programmes.items() for alias in (p.name.zh, *p.aliases)}
        self.programme_names = names
        ordered = sorted(names, key=len, reverse=True)
        self.programme_pattern = re.compile("|".join(map(re.escape, ordered))) if ordered else None

    def extract(self, *, source: str, text: str, published: date, region: str | None) -> list[Candidate]:
        found: list[Candidate] = []
        for number, paragraph in enumerate(split_paragraphs(text), start=1):
            found.extend(self._paragraph(source, number, paragraph, published, region))
        return _without_restatements(found, f"../{published.isoformat()}")

    def _paragraph(
        self, source: str, number: int, paragraph: str, published: date, region: str | None
    ) -> list[Candidate]:
        dates = self.dates.find(paragraph, published=published)
        places = self.matcher.find(paragraph, context=region)
        found: list[Candidate] = []
        framing: DateMention | None = None
        last_place: list[str] = []
        for start, end in sentences(paragraph):
            evidence = Evidence(paragraph=number, start=start, end=end, sentence=paragraph[start:end])
            own_dates = [d for d in dates if start <= d.start < end]
            own_places = [p for p in places if start <= p.start < end]
            for type_cues, cue, at in self._types(evidence.sentence):
                found.extend(
                    self._candidates(
                        source,
                        evidence,
                        type_cues,
                        cue,
                        at,
                        own_dates,
                        framing,
                        own_places,
                        last_place,
                        published,
                        region,
                    )
                )
            if own_dates and own_dates[0].start == start and "/" in own_dates[0].edtf:
                # A sentence opening with a span ("2023年以来，") frames the ones after it; a
                # single day opening a sentence dates only that sentence's event.
                framing = own_dates[0]
            resolved = [p.code for p in own_places if p.code]
            last_place = resolved or last_place
        return found

    def _types(self, sentence: str) -> list[tuple[TypeCues, str, int]]:
        """The best-weighted type whose cue matches, and figures as metric candidates."""
        best: tuple[TypeCues, str, int] | None = None
        metric: tuple[TypeCues, str, int] | None = None
        for type_cues, patterns in self.cues:
            for cue, pattern in patterns:
                match = pattern.search(sentence)
                if match is None:
                    continue
                hit = (type_cues, cue, match.start())
                if type_cues.type == "metric_reported":
                    metric = metric or hit
                elif best is None or type_cues.weight > best[0].weight:
                    best = hit
                break
        return [hit for hit in (best, metric) if hit is not None]

    def _candidates(
        self,
        source: str,
        evidence: Evidence,
        type_cues: TypeCues,
        cue: str,
        at: int,
        own_dates: list[DateMention],
        framing: DateMention | None,
        own_places: list[RegionMention],
        last_place: list[str],
        published: date,
        region: str | None,
    ) -> list[Candidate]:
        sentence = evidence.sentence
        reasons = [f"type {type_cues.type}: cue “{cue}”"]
        confidence = type_cues.weight
        occurred, date_reason, date_penalty = self._occurred(evidence, own_dates, framing, at, published)
        reasons.append(date_reason)
        confidence -= date_penalty
        regions, roles, unresolved, place_reason, place_penalty = self._regions(
            evidence, type_cues.type, own_places, last_place, region, occurred
        )
        reasons.append(place_reason)
        reasons.extend(roles.reasons)
        confidence -= place_penalty
        programmes = self._programmes(sentence)
        if programmes:
            reasons.append("programmes by name: " + ", ".join(programmes))
        status, status_reason, status_penalty = self._status(sentence, type_cues.type, programmes)
        if status_reason:
            reasons.append(status_reason)
        confidence -= status_penalty
        figures = [f for f in self.figures.find(sentence) if not _inside_date(f, own_dates, evidence.start)]
        if "programme" in type_cues.needs and not programmes:
            return []
        money = [f for f in figures if f.kind == "money"]
        if "amount" in type_cues.needs and not money:
            return []
        type_, deadline = type_cues.type, None
        if type_ == "metric_reported" and status == "planned":
            # A figure to reach is a target set by the document, never a reported figure.
            type_, deadline, occurred = "target_set", occurred, f"../{published.isoformat()}"
            reasons.append(f"a figure to reach: target_set with deadline {deadline}, set by the publication")
        make = functools.partial(
            self._one,
            source,
            evidence,
            type_,
            occurred,
            regions,
            programmes,
            status,
            confidence,
            deadline=deadline,
            roles=roles,
        )
        if type_ in ("metric_reported", "target_set"):
            measured = [f for f in figures if f.kind != "money"] or money
            return [
                make([*reasons, f"figure {f.value:g}{f.unit}"], unresolved, figure=f, salt=str(f.start))
                for f in measured
            ]
        return [make(reasons, unresolved, figure=money[0] if money else None)]

    def _one(
        self,
        source: str,
        evidence: Evidence,
        type_: str,
        occurred: str,
        regions: tuple[str, ...],
        programmes: tuple[str, ...],
        status: str | None,
        confidence: float,
        reasons: list[str],
        unresolved: tuple[str, ...],
        *,
        figure: FoundFigure | None,
        salt: str = "",
        deadline: str | None = None,
        roles: Roles,
    ) -> Candidate:
        details = draft_details(type_, evidence.sentence)
        return Candidate(
            candidate_id=candidate_id(source, type_, evidence, salt),
            source=source,
            type=type_,
            occurred=occurred,
            regions=regions,
            participants=roles.participants,
            issuers=roles.issuers,
            programmes=programmes,
            status=status,
            deadline=deadline,
            amount_cny=figure.yuan if figure and type_ == "incentive_awarded" else None,
            figure=Figure(value=figure.value, unit=figure.unit, label=figure.label) if figure else None,
            title_zh=draft_title(
                # A figure's own clause names it better than the sentence's longest clause.
                f"{figure.label}{evidence.sentence[figure.start : figure.end]}"
                if figure and type_ in ("metric_reported", "target_set")
                else evidence.sentence,
                [self.regions[c].name.zh for c in regions if c in self.regions],
            ),
            evidence=evidence,
            confidence=round(max(0.05, min(0.99, confidence)), 2),
            reasons=tuple(reasons),
            unresolved_places=unresolved,
            **details,
        )

    def _occurred(
        self,
        evidence: Evidence,
        own: list[DateMention],
        framing: DateMention | None,
        at: int,
        published: date,
    ) -> tuple[str, str, float]:
        if own:
            cue_at = evidence.start + at
            before = [d for d in own if d.start <= cue_at]
            chosen = before[-1] if before else own[0]
            note = f" ({chosen.note})" if chosen.note else ""
            return chosen.edtf, f"date “{chosen.surface}”: {chosen.rule}{note}", 0.1 if chosen.note else 0.0
        if framing is not None:
            return framing.edtf, f"date “{framing.surface}” framing the paragraph: {framing.rule}", 0.1
        return f"../{published.isoformat()}", "no date in the sentence: known by the publication date", 0.15

    def _regions(
        self,
        evidence: Evidence,
        type_: str,
        own: list[RegionMention],
        last: list[str],
        region: str | None,
        occurred: str,
    ) -> tuple[tuple[str, ...], Roles, tuple[str, ...], str, float]:
        """Subjects, the other regions' roles, unresolved names, the reason and a penalty."""
        day = parse_edtf(occurred).latest or parse_edtf(occurred).earliest
        resolved: list[tuple[RegionMention, str]] = []
        unresolved: list[str] = []
        for mention in own:
            code = self.lineage.on(mention, day)
            if code is None:
                unresolved.append(mention.surface)
            else:
                resolved.append((mention, code))
        roles = self.roles.read(evidence.sentence, resolved, type_, offset=evidence.start, context=region)
        taken = {*roles.participants, *roles.issuers}
        codes = list(dict.fromkeys(code for _, code in resolved if code not in taken))
        # A city named beside its county is the county's address, not a second subject.
        subjects = [c for c in codes if not any(c in self._ancestors(other) for other in codes)]
        penalty = 0.2 * bool(unresolved)
        if subjects:
            found, reason = tuple(subjects), "regions named in the sentence"
        elif last:
            found, reason, penalty = tuple(last), "region named earlier in the paragraph", penalty + 0.15
        elif region:
            found, reason, penalty = (region,), "no subject named: the publishing region", penalty + 0.1
        else:
            found, reason, penalty = (), "no region found", penalty + 0.4
        return found, roles.without(found), tuple(unresolved), reason, penalty

    def _ancestors(self, code: str) -> set[str]:
        chain: set[str] = set()
        parent = self.regions[code].parent if code in self.regions else None
        while parent and parent not in chain:
            chain.add(parent)
            parent = self.regions[parent].parent if parent in self.regions else None
        return chain

    def _programmes(self, sentence: str) -> tuple[str, ...]:
        if self.programme_pattern is None:
            return ()
        slugs: list[str] = []
        for match in self.programme_pattern.finditer(sentence):
            slug = self.programme_names[match.group()]
            if slug not in slugs:
                slugs.append(slug)
        return tuple(slugs)

    def _status(
        self, sentence: str, type_: str, programmes: tuple[str, ...]
    ) -> tuple[str | None, str, float]:
        """Plan, exploration or achievement: a completion marker wins over plan words."""
        words = self.rules.statuses
        achieved = next((w for w in words.achieved if w in sentence), None)
        planned = next((w for w in words.planned if _has(sentence, w, self.rules.gap)), None)
        exploring = next((w for w in words.exploring if w in sentence), None)
        if not achieved and planned:
            return "planned", f"plan word “{planned}”: a plan, not an achievement", 0.3
        if not achieved and exploring:
            return "exploring", f"exploration word “{exploring}”: not a launch", 0.25
        if type_ != "pilot_designated":
            return None, "", 0.0
        shared = [s for s in _ACHIEVED_STATUSES if all(s in self.programmes[p].statuses for p in programmes)]
        status = shared[0] if shared else self.programmes[programmes[0]].statuses[0] if programmes else None
        return status, f"status {status}" + (f": “{achieved}”" if achieved else ""), 0.0


def _without_restatements(found: list[Candidate], known_by: str) -> list[Candidate]:
    """Drop an undated candidate when the document dates the same fact elsewhere.

    A headline or a summary restates what a later paragraph reports with its date; the dated
    report is the better candidate, and proposing both would make the curator reject one."""

    def key(c: Candidate) -> tuple[str, tuple[str, ...], float | None]:
        return c.type, c.regions, c.figure.value if c.figure and c.type == "metric_reported" else None

    dated = {key(c) for c in found if c.occurred != known_by}
    return [c for c in found if c.occurred != known_by or key(c) not in dated]


def _has(sentence: str, word: str, gap: int) -> bool:
    return ("…" in word and cue_pattern(word, gap).search(sentence) is not None) or word in sentence


def _inside_date(figure: FoundFigure, dates: list[DateMention], offset: int) -> bool:
    return any(d.start <= offset + figure.start < d.end for d in dates)
