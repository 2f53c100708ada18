"""Speakers: merging across documents, document-scoped unnamed speakers, metadata, carried columns."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from corpuskit import quotes, schema, segment, speakers
from corpuskit.errors import UsageError

SEED = next((Path(__file__).resolve().parent.parent / "seeds").glob("*.txt"))


def tables(docs: dict[str, str], **doc_columns):
    """(quotes, entities, documents) frames as the pipeline hands them to `speakers.build`."""
    q_rows, e_rows, d_rows = [], [], []
    for i, (doc_id, text) in enumerate(docs.items()):
        rows, ents = quotes.extract(text, segment.paragraphs(text), {})
        for n, r in enumerate(rows):
            q_text = text[r["start"] : r["end"]]
            q_rows.append(
                dict(
                    r,
                    doc_id=doc_id,
                    quote_id=f"{doc_id}#q{n}",
                    text=q_text,
                    n_words=len(q_text.split()),
                )
            )
        e_rows += [dict(e, doc_id=doc_id) for e in ents]
        extra = {k: v[i] for k, v in doc_columns.items()}
        d_rows.append({"doc_id": doc_id, "source": doc_id, "text": text, "n_words": 0, **extra})
    return schema.frame("quotes", q_rows), pd.DataFrame(e_rows), schema.frame("documents", d_rows)


DOCS = {
    "a": "“We will rebuild,” Mayor Jacob Frey said.\n\nA witness said the car sped away.",
    "b": "“The city is safe,” Frey said.\n\nA witness said nobody was hurt in the crash.",
}


def test_same_person_is_one_speaker_across_documents_unnamed_stay_per_document():
    q, e, d = tables(DOCS)
    q2, table = speakers.build(q, e, d)
    assert list(table["speaker_id"]) == ["a/the-witness", "b/the-witness", "jacob-frey"]
    frey = table.set_index("speaker_id").loc["jacob-frey"]
    assert frey["speaker"] == "Jacob Frey" and frey["n_quotes"] == 2 and frey["role"] == "Mayor"
    assert {"Frey", "Mayor Jacob Frey"} <= set(frey["aliases"])
    assert set(q2.loc[q2["speaker_id"] == "jacob-frey", "doc_id"]) == {"a", "b"}
    assert (q2["speaker"] == "Jacob Frey").sum() == 2


def test_document_columns_constant_per_speaker_are_carried():
    q, e, d = tables(DOCS, outlet=["Star Tribune", "Star Tribune"], day=["mon", "tue"])
    _, table = speakers.build(q, e, d)
    frey = table.set_index("speaker_id").loc["jacob-frey"]
    assert frey["outlet"] == "Star Tribune"
    assert pd.isna(frey["day"])  # differs between his documents


def test_a_missing_document_value_does_not_stop_a_column_being_carried():
    q, e, d = tables(DOCS, outlet=["Star Tribune", None], year=[2026, 2026])
    _, table = speakers.build(q, e, d)
    frey = table.set_index("speaker_id").loc["jacob-frey"]
    assert frey["outlet"] == "Star Tribune" and frey["year"] == 2026


def test_metadata_csv_renames_merges_and_enriches(tmp_path):
    meta = tmp_path / "speakers.csv"
    meta.write_text("name,aliases,side\nJacob Frey,Frey;the mayor,local\n", encoding="utf-8")
    q, e, d = tables(DOCS)
    _, table = speakers.build(q, e, d, speakers.load_metadata(str(meta)))
    frey = table.set_index("speaker_id").loc["jacob-frey"]
    assert frey["side"] == "local" and "the mayor" in frey["aliases"]


def test_extra_columns_follow_the_contract_in_order_met_missing_is_nan(tmp_path):
    meta = tmp_path / "speakers.csv"
    meta.write_text("name,side\nJacob Frey,local\n", encoding="utf-8")
    q, e, d = tables(DOCS, day=["mon", "tue"])
    _, table = speakers.build(q, e, d, speakers.load_metadata(str(meta)))
    assert list(table.columns) == [*schema.TABLES["speakers"], "day", "side"]
    assert list(table["day"].iloc[:2]) == ["mon", "tue"] and pd.isna(table["day"].iloc[2])
    assert table["side"].iloc[:2].isna().all() and table["side"].iloc[2] == "local"


def test_metadata_yaml_mapping(tmp_path):
    meta = tmp_path / "speakers.yaml"
    meta.write_text("Jacob Frey:\n  aliases: [Frey]\n  party: DFL\n", encoding="utf-8")
    loaded = speakers.load_metadata(str(meta))
    assert loaded.loc[0, "name"] == "Jacob Frey" and loaded.loc[0, "aliases"] == ["Frey"]
    q, e, d = tables(DOCS)
    _, table = speakers.build(q, e, d, loaded)
    assert table.set_index("speaker_id").loc["jacob-frey", "party"] == "DFL"


@pytest.mark.parametrize(
    ("name", "content"),
    [("bad.txt", "x"), ("empty.yaml", "[]"), ("noname.csv", "side\nlocal\n"), ("bad.yaml", "a: [")],
)
def test_bad_metadata_is_a_usage_error(tmp_path, name, content):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(UsageError):
        speakers.load_metadata(str(path))


def test_missing_metadata_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="not found"):
        speakers.load_metadata(str(tmp_path / "nope.csv"))


def test_no_quotes_gives_an_empty_speakers_table():
    q, e, d = tables({"a": "The weather was mild."})
    q2, table = speakers.build(q, e, d)
    assert table.empty and list(table.columns)[:3] == ["speaker_id", "speaker", "aliases"]


def test_seed_speakers_regression(data_regression):
    q, e, d = tables({"seed": SEED.read_text(encoding="utf-8")})
    _, table = speakers.build(q, e, d)
    rows = [
        {k: (None if v is None or v is pd.NA else v) for k, v in row.items()}
        for row in table.astype(object).to_dict("records")
    ]
    data_regression.check([dict(r, aliases=list(r["aliases"])) for r in rows])


def test_each_quote_gets_its_pair_speaker_and_counts_add_up():
    q, e, d = tables(DOCS)
    q2, table = speakers.build(q, e, d)
    attributed = q2["speaker_id"].notna()
    assert attributed.sum() == q["speaker"].notna().sum()
    per_speaker = q2[attributed].groupby("speaker_id")["n_words"].agg(["size", "sum"])
    t = table.set_index("speaker_id")
    assert (per_speaker["size"] == t.loc[per_speaker.index, "n_quotes"]).all()
    assert (per_speaker["sum"] == t.loc[per_speaker.index, "n_words"]).all()


def test_most_common_role_takes_the_first_met_on_a_tie():
    assert speakers._most_common({"Mayor": 1, "mayor": 1}) == "Mayor"
    assert speakers._most_common({"Mayor": 1, "Governor": 2}) == "Governor"
    assert speakers._most_common({}) is None


def test_each_pair_takes_its_documents_last_entity_and_a_pair_without_one_is_a_person():
    said = {"paragraph": 0, "kind": "direct", "text": "x", "start": 0, "end": 1, "n_words": 1}
    q = schema.frame(
        "quotes",
        [
            said | {"doc_id": "a", "quote_id": "a#q0", "speaker": "Acme"},
            said | {"doc_id": "b", "quote_id": "b#q0", "speaker": "Acme"},
            said | {"doc_id": "b", "quote_id": "b#q1", "speaker": "Jane Roe"},
        ],
    )
    e = pd.DataFrame(
        [
            {"doc_id": "a", "speaker": "Acme", "kind": "person", "role": "owner"},
            {"doc_id": "a", "speaker": "Acme", "kind": "organization", "role": "company"},
            {"doc_id": "b", "speaker": "Acme", "kind": "group", "role": None},
            {"doc_id": "b", "speaker": "Nobody Quoted", "kind": "person", "role": "x"},
            {"doc_id": "c", "speaker": "Jane Roe", "kind": "group", "role": "y"},
        ]
    )
    d = schema.frame("documents", [{"doc_id": x, "source": x, "n_words": 0} for x in "abc"])
    q2, table = speakers.build(q, e, d)
    assert q2["speaker_id"].tolist() == ["acme", "b/acme", "jane-roe"]
    rows = table.set_index("speaker_id")
    assert rows.loc["acme", "kind"] == "organization" and rows.loc["acme", "role"] == "company"
    assert rows.loc["b/acme", "kind"] == "group" and pd.isna(rows.loc["b/acme", "role"])
    assert rows.loc["jane-roe", "kind"] == "person"  # no entity of her own document
    assert pd.isna(rows.loc["jane-roe", "role"]) and "nobody-quoted" not in rows.index
