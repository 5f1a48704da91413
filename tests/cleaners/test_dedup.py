"""Near-duplicate paragraphs: normalisation, clustering rules, merge/order independence, dev corpus."""

from __future__ import annotations

import html
import itertools
import json
from pathlib import Path

import ftfy
import numpy as np
import pytest
from conftest import BAKERY, FERRY, FERRY_EDITED, removed, shared_path

from cleaners import artefacts
from cleaners.corpus import fit
from cleaners.dedup import DedupModel, lsh_params, normalise, shingles
from cleaners.dedup.candidates import LshIndex
from cleaners.document import Document, Paragraph, split_paragraphs
from cleaners.language import detect_languages
from cleaners.pipeline import CorpusModels, Resources
from cleaners.settings import Settings

# Invented prose: a harbour town, a ferry company and a council vote (FERRY, FERRY_EDITED, BAKERY: conftest).
FERRY_OTHER = (
    "Councillor Ilse Varanek of Ostrigan asked the Velmora ferry company to publish its fuel contracts "
    "before the council votes on a harbour subsidy, and said residents deserved a reliable winter service."
)
SUBHEAD = "What happens next"


def doc(doc_id: str, *texts: str) -> Document:
    paragraphs = [Paragraph(index=i, text=t) for i, t in enumerate(texts)]
    return Document(id=doc_id, source=doc_id, paragraphs=paragraphs)


def run(settings: Settings, *docs: Document) -> DedupModel:
    model = DedupModel(settings)
    fit([model], docs)
    return model


@pytest.fixture
def settings() -> Settings:
    return Settings()


def test_normalise_folds_case_punctuation_digits_spacing() -> None:
    assert normalise("  The  Port’s CEO, (aged 54),\tsaid:  “Yes!”\n") == "the port s ceo aged 0 said yes"
    assert normalise("4,000 vs 4000 in 2024") == "0 0 vs 0 in 0"
    assert normalise("soft\u00adhyphen and ＦＵＬＬ width") == "softhyphen and full width"
    assert normalise("Écho — Ärger") == "écho ärger"
    assert normalise("...") == ""


def test_shingles_word_and_char(settings: Settings) -> None:
    word = settings.model_copy(update={"shingle": "word", "shingle_size": 2})
    assert shingles("a b c", word) == [b"a b", b"b c"]
    assert shingles("a", word) == [b"a"]
    char = settings.model_copy(update={"shingle": "char", "shingle_size": 3})
    assert shingles("abcd", char) == [b"abc", b"bcd"]
    assert shingles("", char) == []


def test_exact_duplicate_within_one_document(settings: Settings) -> None:
    d = doc("a.txt", FERRY, BAKERY, FERRY.upper())
    model = run(settings, d)
    assert removed(model, d) == [2]
    (event,) = d.events
    assert event.kind == "duplicate" and event.action == "removed" and event.rule == "dedup:exact"
    assert event.text == FERRY.upper() and event.start is None and event.end is None
    assert event.duplicate_of == {"doc": "a.txt", "paragraph": 0}
    assert event.cluster == 0 and event.confidence == 1.0
    assert d.clean_text() == FERRY + "\n\n" + BAKERY


def test_near_copy_across_documents_clustered(settings: Settings) -> None:
    a, b = doc("a.txt", FERRY, BAKERY), doc("b.txt", FERRY_OTHER, FERRY_EDITED)
    model = run(settings, b, a)
    assert removed(model, a) == []
    assert removed(model, b) == [1]
    event = b.events[0]
    assert event.rule == "dedup:minhash" and settings.threshold <= event.confidence < 1.0
    assert event.duplicate_of == {"doc": "a.txt", "paragraph": 0}
    assert model.clusters() == [
        {
            "cluster": 0,
            "kept": {"doc": "a.txt", "paragraph": 0},
            "members": [{"doc": "a.txt", "paragraph": 0}, {"doc": "b.txt", "paragraph": 1}],
        }
    ]


def test_same_topic_paragraphs_sharing_names_not_clustered(settings: Settings) -> None:
    a, b = doc("a.txt", FERRY), doc("b.txt", FERRY_OTHER)
    model = run(settings, a, b)
    assert model.clusters() == []
    assert removed(model, b) == []


def test_short_paragraph_only_within_its_document(settings: Settings) -> None:
    a = doc("a.txt", FERRY, SUBHEAD, BAKERY, SUBHEAD + ".")
    b = doc("b.txt", FERRY_OTHER, SUBHEAD)
    model = run(settings, a, b)
    assert removed(model, a) == [3]
    assert removed(model, b) == []
    assert a.events[0].rule == "dedup:exact"
    # different short paragraphs never collide (no empty sketches)
    c = doc("c.txt", "Yes.", "No.", "Maybe so.")
    assert removed(run(settings, c), c) == []


def test_no_chaining() -> None:
    settings = Settings(shingle="word", shingle_size=1, threshold=0.5, min_dedup_tokens=1)
    words = [a + b for a in "pqr" for b in "abcdefghij"]  # 30 distinct tokens (digits would fold)
    a = " ".join(words[0:20])  # A ~ B (J = 0.6), B ~ C (J = 0.6), A !~ C (J = 0.25)
    b = " ".join(words[5:25])
    c = " ".join(words[10:30])
    d = doc("x.txt", a, b, c)
    model = run(settings, d)
    assert removed(model, d) == [1]
    assert model.clusters()[0]["members"] == [
        {"doc": "x.txt", "paragraph": 0},
        {"doc": "x.txt", "paragraph": 1},
    ]
    rows = model.members(d)
    assert [(r["paragraph"], r["kept"]) for r in rows] == [(0, True), (1, False)]
    assert rows[0]["text"] == a


def test_best_representative_wins(settings: Settings) -> None:
    a = doc("a.txt", BAKERY)
    b = doc("b.txt", FERRY)
    c = doc("c.txt", FERRY_EDITED)
    model = run(settings, c, b, a)
    assert removed(model, c) == [0]
    assert c.events[0].duplicate_of == {"doc": "b.txt", "paragraph": 0}


def corpus() -> list[Document]:
    return [
        doc("a.txt", FERRY, BAKERY, SUBHEAD, SUBHEAD),
        doc("b.txt", FERRY_OTHER, FERRY_EDITED),
        doc("c.txt", BAKERY.replace("four", "five"), FERRY),
        doc("d.txt", FERRY_OTHER),
    ]


def snapshot(model: DedupModel) -> tuple:
    docs = corpus()
    rows = [model.members(d) for d in docs]
    for d in docs:
        model.apply(d)
    return model.clusters(), rows, [[e.to_dict() for e in d.events] for d in docs]


def test_order_independent_and_deterministic(settings: Settings) -> None:
    expected = snapshot(run(settings, *corpus()))
    assert expected[0]  # something was clustered
    for perm in itertools.permutations(range(4)):
        docs = corpus()
        assert snapshot(run(settings, *(docs[i] for i in perm))) == expected


def test_merge_of_partial_models_equals_one_model(settings: Settings) -> None:
    docs = corpus()
    whole = run(settings, *docs)
    left, right = DedupModel(settings), DedupModel(settings)
    for d in docs[:2]:
        right.observe(d)
    for d in docs[2:]:
        left.observe(d)
    merged = left.merge(right)
    merged.decide()
    assert snapshot(merged) == snapshot(whole)
    with pytest.raises(ValueError):
        DedupModel(settings).merge(DedupModel(Settings(num_perm=64)))


def test_forget_and_round_trip(settings: Settings) -> None:
    docs = corpus()
    model = run(settings, *docs)
    data = json.loads(json.dumps(model.to_dict()))
    again = DedupModel.from_dict(data, settings)
    assert snapshot(again) == snapshot(model)
    again.decide()
    assert snapshot(again) == snapshot(model)
    again.forget("a.txt")
    again.decide()
    assert all(m["doc"] != "a.txt" for c in again.clusters() for m in c["members"])
    with pytest.raises(ValueError):
        DedupModel.from_dict(data, Settings(shingle="word"))


def test_a_batch_saved_as_arrays_clusters_as_the_model_it_came_from(settings: Settings, tmp_path: Path) -> None:
    """A batch's work file (`to_arrays`, saved with `np.savez`) gives back every document's arrays, with
    their dtypes, including a document with no paragraph long enough to sketch; the clusters decided
    from it are the model's own; a file made with other settings is refused."""
    from cleaners.batches import read_arrays, write_arrays

    docs = [*corpus(), doc("short.txt", "Too short.", "Also short.")]
    model = run(settings, *docs)
    write_arrays(tmp_path / "b.dedup.npz", model.to_arrays())
    again = DedupModel.from_arrays(read_arrays(tmp_path / "b.dedup.npz"), settings)
    assert list(again._docs) == sorted(model._docs)
    for doc_id, sigs in model._docs.items():
        for name in ("index", "exact", "sketched", "sigs", "wording", "numbers", "name_counts", "names"):
            mine, theirs = getattr(sigs, name), getattr(again._docs[doc_id], name)
            assert theirs.dtype == mine.dtype and np.array_equal(theirs, mine), (doc_id, name)
    assert not again._docs["short.txt"].sketched.any()
    again.decide()
    assert snapshot(again) == snapshot(model)
    with pytest.raises(ValueError, match="num_perm"):
        DedupModel.from_arrays(read_arrays(tmp_path / "b.dedup.npz"), Settings(num_perm=64))
    empty = DedupModel.from_arrays(DedupModel(settings).to_arrays(), settings)
    assert empty._docs == {}


def test_observing_many_documents_at_once_sketches_as_one_by_one(settings: Settings, monkeypatch) -> None:
    """`observe_many` sketches the paragraphs of several documents in shared calls, cut in chunks of
    texts across document boundaries; each document's export is the one `observe` gives it alone,
    including a document whose cached sketch is reused and one with nothing long enough to sketch."""
    import cleaners.dedup.model as model_module

    monkeypatch.setattr(model_module, "SKETCH_CHUNK_TEXTS", 3)  # chunks end inside documents
    docs = [*corpus(), doc("short.txt", "Yes.", "No."), doc("e.txt", FERRY_OTHER, BAKERY, FERRY_EDITED, SUBHEAD)]
    alone = DedupModel(settings)
    for d in docs:
        alone.observe(d)
    cached = alone.export_doc(docs[1].id)
    together = DedupModel(settings)
    together.observe_many([(d, cached if d is docs[1] else None) for d in docs])
    for d in docs:
        assert together.export_doc(d.id) == alone.export_doc(d.id)
    assert together._docs["short.txt"].sigs.shape == (0, settings.num_perm)


def test_observe_uses_live_paragraphs_and_compact_signatures(settings: Settings) -> None:
    d = doc("a.txt", FERRY, FERRY)
    d.paragraphs[1].removed = "chrome"
    model = run(settings, d)
    assert model.clusters() == []
    sigs = model._docs["a.txt"].sigs
    assert sigs.shape == (1, settings.num_perm) and sigs.dtype == np.uint32


def test_lsh_params_reach_recall_at_threshold(settings: Settings) -> None:
    for t in (0.2, 0.425, 0.5, 0.8):
        b, r = lsh_params(settings.model_copy(update={"threshold": t}))
        assert b * r <= settings.num_perm and b >= 2
        assert 1 - (1 - t**r) ** b >= settings.lsh_recall


# --- dev corpus + seeds --------------------------------------------------------------------------


def _decode(raw: bytes, encoding: str) -> str:
    text = raw.decode({"cp1252": "cp1252", "utf-16": "utf-16"}.get(encoding, "utf-8"))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if encoding == "crlf-entities":
        text = html.unescape(text)
    return ftfy.fix_text(text, uncurl_quotes=False)


def _labelled_docs() -> tuple[list[Document], set[tuple]]:
    """Content paragraphs as the pipeline would hand them to dedup: labelled chrome lines and
    glued chrome fragments (such as a photo credit after a caption) removed."""
    docs, groups = [], []
    for root, raw_dir, prefix in ((shared_path("dev-corpus"), "raw", "dev/"), (shared_path("seeds"), "", "seed/")):
        labels = json.loads((root / "labels.json").read_text(encoding="utf-8"))["docs"]
        for name, lab in sorted(labels.items()):
            text = _decode((root / raw_dir / name).read_bytes(), lab.get("encoding", "utf-8"))
            chrome = set(lab.get("chrome_lines", [])) | set(lab.get("ambiguous_lines", []))
            d = Document(id=prefix + name, source=name)
            for p in split_paragraphs(text):
                lines = []
                for line in p.text.split("\n"):
                    line = line.rstrip()
                    if line.strip() in chrome:
                        continue
                    for frag in lab.get("chrome_fragments", []):
                        if line.endswith(frag):
                            line = line[: -len(frag)].rstrip()
                    if line.strip():
                        lines.append(line)
                if lines:
                    d.paragraphs.append(Paragraph(index=p.index, text="\n".join(lines)))
            docs.append(d)
            groups += [[(prefix + f, normalise(start)) for f, start in g] for g in lab.get("dup_groups", [])]
    by_id = {d.id: d for d in docs}
    positive = set()
    for g in groups:
        members = set()
        for doc_id, start in g:
            paragraphs = by_id[doc_id].paragraphs
            hits = {(doc_id, p.index) for p in paragraphs if normalise(p.text).startswith(start)}
            assert hits, (doc_id, start)
            members |= hits
        positive |= set(itertools.combinations(sorted(members), 2))
    return docs, positive


def test_dev_corpus_duplicate_groups_clustered(settings: Settings) -> None:
    docs, positive = _labelled_docs()
    # As in the pipeline: the artefact stage and the transliteration model edit the text first (calqued organisation
    # names restored), and names are compared through the run's transliteration model (it links the copies' spellings).
    res = Resources.load(settings)
    models = CorpusModels.empty(res)
    for d in docs:
        detect_languages(d, settings)
        artefacts.detect_artefacts(d, settings, res.tables)
        models.observe(d)
    models.decide()
    model = DedupModel(settings, models.transliteration)
    for d in docs:
        models.transliteration.apply(d)
        model.observe(d)
    model.decide()
    predicted = set()
    for c in model.clusters():
        members = sorted((m["doc"], m["paragraph"]) for m in c["members"])
        predicted |= set(itertools.combinations(members, 2))
    tp = len(predicted & positive)
    precision = tp / len(predicted) if predicted else 1.0
    recall = tp / len(positive)
    print(f"dedup dev corpus: {len(predicted)} pairs, {len(positive)} true, P={precision:.3f} R={recall:.3f}")
    assert positive - predicted == set()
    assert precision >= 0.9


# --- compact band index == MinHashLSH ------------------------------------------------------------


def _generated_docs(tmp_path: Path) -> list[Document]:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from bench.generate import Rates, generate

    generate(tmp_path, 600, seed=5, rates=Rates(copy=0.15, mojibake=0.0, foreign=0.0))
    docs = []
    for path in sorted((tmp_path / "raw").rglob("*.txt")):
        rel = str(path.relative_to(tmp_path / "raw"))
        docs.append(Document(id=rel, source=rel, paragraphs=split_paragraphs(path.read_text(encoding="utf-8"))))
    return docs


def _decisions(model: DedupModel) -> tuple:
    data = model.to_dict()
    return data["decisions"], data["clusters"]


@pytest.mark.parametrize(
    "overrides", [{}, {"threshold": 0.6}, {"shingle": "word", "shingle_size": 3, "threshold": 0.3}]
)
def test_compact_index_decides_like_minhashlsh(tmp_path: Path, overrides: dict) -> None:
    """Same candidates, same verification, same greedy order: identical clusters, on a corpus with
    many near-copies, repeated chrome blocks (exact copies) and chance band collisions."""
    settings = Settings(**overrides)
    model = DedupModel(settings)
    for d in _generated_docs(tmp_path):
        model.observe(d)
    model.decide()
    compact = _decisions(model)
    model.decide(LshIndex(settings, {"type": "dict"}))  # datasketch's MinHashLSH as the source
    assert compact == _decisions(model)
    assert len(compact[1]) > 20


def test_bands_in_threads_give_the_same_pairs_and_clusters(tmp_path: Path) -> None:
    from cleaners.dedup.candidates import _verified_pairs

    docs = _generated_docs(tmp_path)
    models = []
    for workers in (1, 3):
        model = DedupModel(Settings(workers=workers))
        for d in docs:
            model.observe(d)
        model.decide()
        models.append(model)
    assert _decisions(models[0]) == _decisions(models[1]) and len(_decisions(models[0])[1]) > 20
    sigs = [models[0]._docs[k] for k in sorted(models[0]._docs)]
    params = lsh_params(Settings())
    one = _verified_pairs(sigs, params, 0.425, 128, threads=1)
    assert one and one == _verified_pairs(sigs, params, 0.425, 128, threads=4)


def test_store_is_the_one_switch_and_the_old_lsh_storage_key_is_read(settings: Settings) -> None:
    from cleaners.dedup.candidates import BandIndex, candidate_source

    assert isinstance(candidate_source(settings, []), BandIndex)
    old_redis = {"type": "redis", "redis": {"host": "10.0.0.5", "port": 6380, "db": 2}}
    assert Settings(lsh_storage=old_redis).store == "redis://10.0.0.5:6380/2"
    with pytest.warns(DeprecationWarning, match="replaced by store"):
        assert Settings(lsh_storage=old_redis, store="redis://h:1/0").store == "redis://h:1/0"  # the new key wins
    with pytest.warns(DeprecationWarning, match="replaced by store"):
        assert Settings(lsh_storage={"type": "dict"}).store is None
    assert "lsh_storage" not in Settings().model_dump()


def test_bucket_pairs_lists_every_equal_pair_once() -> None:
    from cleaners.dedup.candidates import _bucket_pairs

    keys = np.array([5, 3, 5, 9, 3, 5], dtype=np.uint64)
    i, j = (np.concatenate(a) for a in zip(*_bucket_pairs(keys), strict=True))
    assert sorted(zip(i.tolist(), j.tolist(), strict=True)) == [(0, 2), (0, 5), (1, 4), (2, 5)]
    assert all(a < b for a, b in zip(i.tolist(), j.tolist(), strict=True))


def test_bucket_pairs_chunks_cover_the_same_pairs() -> None:
    from cleaners.dedup.candidates import _bucket_pairs

    keys = np.random.default_rng(1).integers(0, 7, size=200).astype(np.uint64)
    whole = sorted(p for i, j in _bucket_pairs(keys) for p in zip(i.tolist(), j.tolist(), strict=True))
    small = sorted(p for i, j in _bucket_pairs(keys, chunk=5) for p in zip(i.tolist(), j.tolist(), strict=True))
    assert whole == small and len(whole) == len(set(whole))
    assert len(whole) == sum(c * (c - 1) // 2 for c in np.bincount(keys.astype(np.int64)))


@pytest.mark.parametrize("rows", [1, 2, 3, 5])
def test_band_keys_are_the_same_in_chunks_and_equal_for_equal_bands(rows: int) -> None:
    from cleaners.dedup.candidates import _band_keys

    rng = np.random.default_rng(3)
    sigs = rng.integers(0, 2**32, size=(50, 4 * rows), dtype=np.uint64).astype(np.uint32)
    sigs[7, rows : 2 * rows] = sigs[2, rows : 2 * rows]  # band 1 of rows 2 and 7 equal, the rest not
    for band in range(4):
        whole = _band_keys(sigs, band, rows, chunk=1000)
        assert np.array_equal(whole, _band_keys(sigs, band, rows, chunk=6))
        assert (whole[2] == whole[7]) == (band == 1)
        assert len(set(whole.tolist())) == 50 - (band == 1)


@pytest.mark.parametrize("num_perm", [128, 40])
def test_digests_are_the_same_in_chunks_on_threads_and_match_equal_values(num_perm: int) -> None:
    from cleaners.dedup.candidates import _digests

    rng = np.random.default_rng(2)
    sigs = rng.integers(0, 2**32, size=(37, num_perm), dtype=np.uint64).astype(np.uint32)
    sigs[5] = sigs[3]
    whole = _digests(sigs, chunk=10_000)
    assert np.array_equal(whole, _digests(sigs, chunk=4))
    assert np.array_equal(whole, _digests(sigs, chunk=4, threads=3))
    assert whole.shape == (37, -(-num_perm // 32))
    assert np.array_equal(whole[5], whole[3])
    # each 2-bit digit is the xor of the value's sixteen 2-bit digits
    for row, col in ((7, 17), (0, 0), (36, num_perm - 1)):
        v = int(sigs[row, col])
        digit = 0
        for k in range(16):
            digit ^= (v >> (2 * k)) & 0b11
        assert (int(whole[row, col // 32]) >> (2 * (col % 32))) & 0b11 == digit


@pytest.mark.parametrize("num_perm", [128, 40])
def test_digest_filter_keeps_every_pair_that_reaches_the_threshold(num_perm: int) -> None:
    """The digests only rule pairs out: a pair whose sketches agree on `need` values or more is always
    kept, whatever its other values; and most pairs of unrelated sketches are ruled out."""
    from cleaners.dedup.candidates import _digests, _promising

    rng = np.random.default_rng(5)
    need = 0.425 * num_perm
    n = 400
    sigs = rng.integers(0, 2**32, size=(2 * n, num_perm), dtype=np.uint64).astype(np.uint32)
    agree = rng.integers(0, num_perm + 1, size=n)  # pair k: rows 2k and 2k+1 agree on agree[k] values
    for k in range(n):
        cols = rng.choice(num_perm, size=agree[k], replace=False)
        sigs[2 * k + 1, cols] = sigs[2 * k, cols]
    i, j = np.arange(0, 2 * n, 2), np.arange(1, 2 * n, 2)
    kept_i, _ = _promising(_digests(sigs), i, j, need, num_perm)
    kept = set((kept_i // 2).tolist())
    assert {k for k in range(n) if agree[k] >= need} <= kept
    far = [k for k in range(n) if agree[k] < need / 3]
    assert far and sum(k in kept for k in far) <= len(far) // 20
