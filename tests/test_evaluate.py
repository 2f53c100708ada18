"""The evaluation harness: gold format, matching rule, scores on the annotated set."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from corpuskit import evaluate
from corpuskit.cli import main
from corpuskit.errors import UsageError

GOLD = Path(__file__).resolve().parent / "gold"
HELDOUT = Path(__file__).resolve().parent / "gold_heldout"
BLIND2 = Path(__file__).resolve().parent / "gold_blind2"


@pytest.fixture(scope="module")
def scores():
    return evaluate.evaluate(GOLD)


def test_gold_set_size(scores):
    assert scores["documents"] >= 16 and scores["all"]["gold"] >= 100


def test_attribution_scores_stay_at_the_reached_level(scores):
    # figures reached when the set was written (docs/evaluation.md); a drop is a regression
    assert scores["all"]["statement"]["f1"] >= 0.97
    assert scores["all"]["end_to_end"]["f1"] >= 0.95
    assert scores["all"]["speaker_alias"]["f1"] >= 0.95
    assert scores["all"]["speaker_exact"]["f1"] >= 0.93
    assert scores["direct"]["end_to_end"]["f1"] >= 0.97


def test_heldout_scores_stay_at_the_reached_level():
    # tests/gold_heldout was written after the rules (docs/evaluation.md): blind end-to-end F1
    # 0.906 (all) / 0.939 (direct); after the fixes it prompted 0.993 / 0.992. Floors sit a
    # little below the after-fix figures so a regression fails.
    scores = evaluate.evaluate(HELDOUT)
    assert scores["documents"] >= 10 and scores["all"]["gold"] >= 100
    assert scores["all"]["statement"]["f1"] >= 0.95
    assert scores["all"]["end_to_end"]["f1"] >= 0.95
    assert scores["direct"]["end_to_end"]["f1"] >= 0.95
    assert scores["all"]["speaker_alias"]["f1"] >= 0.94
    assert scores["all"]["speaker_exact"]["f1"] >= 0.92


def test_second_blind_scores_stay_at_the_reached_level():
    # tests/gold_blind2 (docs/evaluation.md, "Second blind set"): blind end-to-end F1 0.952
    # (all) / 0.961 (direct); after the fixes it prompted 0.982 / 1.000.
    scores = evaluate.evaluate(BLIND2)
    assert scores["documents"] == 8 and scores["all"]["gold"] >= 80
    assert scores["all"]["end_to_end"]["f1"] >= 0.96
    assert scores["direct"]["end_to_end"]["f1"] >= 0.97
    assert scores["all"]["speaker_alias"]["f1"] >= 0.96
    assert scores["all"]["speaker_exact"]["f1"] >= 0.93


def test_gold_mention_between_the_parts_of_a_split_quote():
    text = "Doe spoke.\n\n“If they want our votes,” Schumer said, “they know what to do.”"
    quote = "If they want our votes,” Schumer said, “they know what to do."
    doc = evaluate.resolve(
        {"text": text, "statements": [{"quote": quote, "mention": "Schumer"}]}, "t"
    )
    s, e = doc["statements"][0]["mention"]
    assert text[s:e] == "Schumer" and s > text.index("votes")


def test_gold_mention_prefers_its_own_paragraph():
    text = "“Yes,” Lawler said. “No.”\n\nHochul, asked about Lawler’s comments, smiled."
    doc = evaluate.resolve(
        {"text": text, "statements": [{"quote": "No.", "mention": "Lawler"}]}, "t"
    )
    assert doc["statements"][0]["mention"] == (7, 13)


def test_gold_anchors_resolve_to_offsets():
    doc = evaluate.resolve(
        {
            "text": "“Yes,” he said. “No,” she said.",
            "statements": [{"quote": "No,", "speaker": "Ann", "mention": "she"}],
        },
        "t",
    )
    st = doc["statements"][0]
    assert doc["text"][st["start"] : st["end"]] == "No,"
    assert doc["text"][st["mention"][0] : st["mention"][1]] == "she"


def test_match_needs_more_than_half_of_the_gold_content():
    gold = [{"start": 0, "end": 10, "mention": (20, 23), "speaker": "Ann", "kind": "direct"}]
    half = [{"start": 5, "end": 10, "speaker_start": 20, "speaker_end": 22, "speaker": "Ann"}]
    more = [{"start": 4, "end": 12, "speaker_start": 21, "speaker_end": 25, "speaker": "ann"}]
    assert not evaluate.match(gold, half, {})[0][2]["statement"]
    hits = evaluate.match(gold, more, {})[0][2]
    assert hits == dict.fromkeys(evaluate.LEVELS, True)


def test_alias_tolerant_speaker():
    aliases = {"jacob frey": {"jacob frey", "frey", "the mayor"}}
    assert evaluate._speaker_ok("the mayor", "Jacob Frey", aliases) == (False, True)
    assert evaluate._speaker_ok("Frey", "Jacob Frey", {}) == (False, True)
    assert evaluate._speaker_ok("Kristi Noem", "Jacob Frey", aliases) == (False, False)


@pytest.mark.parametrize(
    "content",
    [
        "text: 'abc'\nstatements:\n  - {quote: zzz}\n",
        "statements: []\n",
        "text: [\n",
        "text: 'abc'\nstatements:\n  - {quote: abc, mention: nobody}\n",
    ],
)
def test_bad_gold_is_a_usage_error(tmp_path, content):
    path = tmp_path / "g.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(UsageError):
        evaluate.evaluate(path)


def test_cli_prints_scores_and_writes_errors(tmp_path, capsys):
    gold = tmp_path / "one.json"
    gold.write_text(
        json.dumps(
            {
                "text": "“We are closed,” the owner said.",
                "statements": [
                    {"quote": "We are closed,", "speaker": "the owner", "mention": "the owner"}
                ],
            }
        ),
        encoding="utf-8",
    )
    assert main(["evaluate", str(gold), "--out", str(tmp_path / "out")]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["all"]["end_to_end"]["f1"] == 1.0
    assert (tmp_path / "out" / "scores.json").is_file()
    assert (tmp_path / "out" / "errors.csv").read_text().startswith("doc,problem")


def test_cli_missing_gold_exits_2(tmp_path, capsys):
    assert main(["evaluate", str(tmp_path / "nope")]) == 2
    assert "not found" in capsys.readouterr().err
