import collections

from training.data import acled_bridges

HEADER = "id\tEventSnippet\tSubType\n"


def test_bridges_add_relabelled_first_sentences(write, make_cfg):
    snippets = write("train.tsv", HEADER + "s1\tPolice detained the mayor.\tARREST\n")
    satp = write("satp.tsv", "An IED went off in Kunar. Two died.\t0\t1\t0\t0\n"
                             "Gunmen shot a trader and a bomb exploded.\t1\t1\t0\t0\n"
                             "A grenade hit a shop. Nobody was hurt.\t0\t1\t0\t0\n")
    bridge = {"reader": "tsv_class", "task": "multi_label", "labels": ["l1", "l2", "l3", "l4"], "options": {},
              "source": {"path": satp}, "when": ["l2"], "label": "REM_EXPLOS", "text": "first_sentence",
              "max_examples": None}
    cfg = make_cfg(task="single_label", reader="acled_bridges", labels=["ARREST", "REM_EXPLOS", "NO_EVENT"])
    stats = collections.Counter()
    examples = acled_bridges.read({"path": snippets, "bridges": {"satp_bombing": bridge}}, cfg, stats)
    assert [(ex["id"], ex["text"], ex["labels"]) for ex in examples] == [
        ("s1", "Police detained the mayor.", ["ARREST"]),
        ("satp_bombing:satp.tsv:1", "An IED went off in Kunar.", ["REM_EXPLOS"]),
        ("satp_bombing:satp.tsv:3", "A grenade hit a shop.", ["REM_EXPLOS"])]  # row 2 has two labels: not bridged
    assert stats["bridge.satp_bombing.matched"] == 2 and stats["bridge.satp_bombing.kept"] == 2

    stats = collections.Counter()
    capped = acled_bridges.read({"path": snippets, "bridges": {"b": {**bridge, "max_examples": 1}}}, cfg, stats)
    assert len(capped) == 2 and stats["bridge.b.matched"] == 2 and stats["bridge.b.kept"] == 1
    again = acled_bridges.read({"path": snippets, "bridges": {"b": {**bridge, "max_examples": 1}}}, cfg, stats)
    assert again == capped  # the sample is deterministic
