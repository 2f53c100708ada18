"""Generate a deterministic corpus of news-like articles for benchmarks and scale tests.

Each article follows the seed format (a ` date YYYY-MM-DD ` lede, blank-line paragraphs,
short sub-headings) and mixes narrative sentences with direct, mixed, indirect, group,
unnamed and continued quotes, speakers with titles and organisations, and frame terms
(defensive, reckless, ...). Article `i` depends only on (seed, i): a corpus of 10N documents
starts with the corpus of N.

    python benchmarks/generate.py OUT --docs 10000
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

FIRST = (
    "Jacob Maria Tricia Kristi Greg Ilhan Tim Angela Marcus Dana Rosa Samuel Priya Ahmed "
    "Lena Victor Grace Omar Helen Diego Nora Felix Ruth Andre Keisha Tom Iris Malik Carla Ben"
).split()
LAST = (
    "Frey McLaughlin Noem Bovino Omar Walz Harris Okafor Lindqvist Moreno Patel Haddad "
    "Novak Brennan Alvarez Chen Whitaker Osei Kowalski Duarte Fischer Ramirez Nakamura "
    "Abbott Sullivan Mbeki Rossi Tanaka Oduya Hart"
).split()
ROLES = (
    ("Mayor", "the mayor", None),
    ("Governor", "the governor", None),
    ("Police Chief", "the chief", "Minneapolis Police Department"),
    ("spokeswoman", "the spokeswoman", "Department of Homeland Security"),
    ("spokesman", "the spokesman", "Immigration and Customs Enforcement"),
    ("Senator", "the senator", None),
    ("council member", "the council member", "City Council"),
    ("attorney", "the attorney", "American Civil Liberties Union"),
    ("Sheriff", "the sheriff", "Hennepin County Sheriff's Office"),
    ("professor", "the professor", "University of Minnesota"),
)
GROUPS = ("protesters", "demonstrators", "neighbours", "the crowd", "union members", "students")
UNNAMED = ("a witness", "one resident", "a neighbour", "an official", "a bystander", "a nurse")
CUES = ("said", "told reporters", "wrote in a post on X", "added", "said in a statement", "stated")
MIXED_CUES = ("alleged", "claimed", "argued", "insisted", "suggested")
GROUP_CUES = ("chanted", "shouted", "said", "wrote on signs")
DEFENSIVE = (
    "fired defensive shots",
    "acted in self-defence",
    "faced an imminent threat",
    "had to protect the public",
    "feared for his life",
    "was defending fellow officers",
    "responded to a dangerous situation",
)
RECKLESS = (
    "acted recklessly",
    "caused chaos in our city",
    "used excessive force",
    "was reckless and unjustified",
    "escalated a calm situation",
    "showed a shocking disregard for life",
    "sowed chaos on our streets",
)
NEUTRAL_QUOTES = (
    "We are still gathering the facts",
    "Our thoughts are with the family tonight",
    "The investigation will take time",
    "We will release the video when the review is complete",
    "Everyone deserves answers about what happened here",
    "We are asking anyone with information to come forward",
    "This is a difficult day for the whole community",
)
SUBJECTS = (
    "The officer",
    "The agency",
    "The city",
    "Investigators",
    "State officials",
    "Federal agents",
    "Local residents",
    "The family",
    "Community leaders",
    "The department",
    "Witnesses",
    "Lawmakers",
)
VERBS = (
    "reviewed",
    "described",
    "questioned",
    "released",
    "disputed",
    "examined",
    "discussed",
    "requested",
    "confirmed",
    "reported",
    "challenged",
    "documented",
)
OBJECTS = (
    "the footage from the scene",
    "the timeline of the shooting",
    "the use-of-force policy",
    "the body camera recordings",
    "the records of the operation",
    "the statements of the agents",
    "the condition of the vehicle",
    "the response of the paramedics",
    "the rules for immigration operations",
    "the accounts of several neighbours",
)
TAILS = (
    "on Wednesday",
    "late on Thursday",
    "in a residential neighbourhood",
    "near the snowy street where it happened",
    "at a news conference",
    "after a tense night of protests",
    "before the vigil began",
    "as the investigation continued",
    "according to court documents",
    "in the days that followed",
)
PLACES = ("Minneapolis", "St Paul", "Chicago", "Portland", "Denver", "Phoenix", "Atlanta")
HEADINGS = (
    "Dramatic escalation",
    "Questions about the video",
    "A city divided",
    "What happens next",
    "Calls for an inquiry",
    "Voices from the street",
)


class Article:
    """One generated article: its speakers and the random stream it is drawn from."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.speakers = []
        for _ in range(rng.randint(2, 4)):
            role = rng.choice(ROLES)
            self.speakers.append((rng.choice(FIRST), rng.choice(LAST), role))
        self.place = rng.choice(PLACES)

    def introduce(self, speaker) -> str:
        first, last, (title, _, org) = speaker
        if org:
            return f"{org} {title} {first} {last}"
        return f"{title} {first} {last}"

    def mention(self, speaker, first_time: bool) -> str:
        if first_time:
            return self.introduce(speaker)
        return self.rng.choice((speaker[1], speaker[2][1], speaker[1]))

    def claim(self) -> str:
        pool = self.rng.choice((DEFENSIVE, RECKLESS, NEUTRAL_QUOTES))
        return self.rng.choice(pool)

    def narrative(self) -> str:
        r = self.rng
        s = f"{r.choice(SUBJECTS)} {r.choice(VERBS)} {r.choice(OBJECTS)} {r.choice(TAILS)}"
        if r.random() < 0.4:
            s += f", while {r.choice(SUBJECTS).lower()} {r.choice(VERBS)} {r.choice(OBJECTS)}"
        return s + "."

    def quote_paragraph(self, seen: set) -> str:
        r = self.rng
        speaker = r.choice(self.speakers)
        who = self.mention(speaker, speaker not in seen)
        seen.add(speaker)
        kind = r.random()
        if kind < 0.35:
            text = f"“The officer {self.claim()}, and {r.choice(NEUTRAL_QUOTES).lower()},” {who} {r.choice(CUES)}."
            if r.random() < 0.4:
                text += f" “{r.choice(NEUTRAL_QUOTES)}.”"
            return text
        if kind < 0.55:
            term = r.choice(("recklessly", "defensively", "unlawfully", "bravely"))
            return f"{who} {r.choice(MIXED_CUES)} the officer “{term}” fired, adding that agents {r.choice(RECKLESS)}."
        if kind < 0.75:
            return f"The agent {self.claim().lower()}, {who} {r.choice(CUES)}."
        if kind < 0.87:
            return f"“{r.choice(('No justice, no peace', 'Shame', 'ICE out', 'We want answers'))}!” {r.choice(GROUPS)} {r.choice(GROUP_CUES)} {r.choice(TAILS)}."
        return f"“It happened so fast, and he {r.choice(RECKLESS)},” {r.choice(UNNAMED)} said."

    def text(self, date: str) -> str:
        r = self.rng
        lede = f"One person is dead after an officer on an immigration operation in {self.place} shot a driver who allegedly “weaponised” a vehicle."
        paragraphs = [f" date {date} {lede}"]
        seen: set = set()
        for i in range(r.randint(18, 26)):
            if i and i % 7 == 0 and r.random() < 0.7:
                paragraphs.append(r.choice(HEADINGS))
            if r.random() < 0.5:
                paragraphs.append(self.quote_paragraph(seen))
            else:
                paragraphs.append(" ".join(self.narrative() for _ in range(r.randint(2, 4))))
        return "\n\n".join(paragraphs) + "\n"


def article(seed: int, i: int) -> str:
    """Text of article `i` of the corpus of `seed`."""
    rng = random.Random(f"{seed}:{i}")
    date = f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    return Article(rng).text(date)


def generate(out: Path, n_docs: int, seed: int = 0, per_folder: int = 1000) -> Path:
    """Write `n_docs` articles into `out` (folders of `per_folder` files); returns `out`."""
    out.mkdir(parents=True, exist_ok=True)
    for i in range(n_docs):
        folder = out / f"{i // per_folder:04d}"
        if i % per_folder == 0:
            folder.mkdir(exist_ok=True)
        (folder / f"article-{i:07d}.txt").write_text(article(seed, i), encoding="utf-8")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    generate(args.out, args.docs, args.seed)


if __name__ == "__main__":
    main()
