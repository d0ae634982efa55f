import json
import subprocess
import sys

import pytest

from inference.predict import main


def test_txt_file(tiny_predictor_dir, tmp_path):
    article = tmp_path / "article.txt"
    article.write_text("Rebels attacked Aleppo on Monday.\nTroops clashed with them in Idlib.", encoding="utf-8")
    out = tmp_path / "out.json"
    assert main(["--model", str(tiny_predictor_dir), "--input", str(article), "--output", str(out)]) == 0
    result = json.loads(out.read_text(encoding="utf-8"))
    assert set(result) == {"entities", "events", "non_acled_events"}
    text = article.read_text(encoding="utf-8")
    assert all(text[e["start"]:e["end"]] == e["text"] for e in result["entities"])


def test_tasks_choose_the_fields(tiny_predictor_dir, tmp_path, capsys):
    article = tmp_path / "article.txt"
    article.write_text("Rebels attacked Aleppo on Monday.", encoding="utf-8")
    out = tmp_path / "out.json"
    assert main(["--model", str(tiny_predictor_dir), "--input", str(article), "--output", str(out),
                 "--tasks", "events"]) == 0
    assert set(json.loads(out.read_text(encoding="utf-8"))) == {"events", "non_acled_events"}
    with pytest.raises(SystemExit):
        main(["--model", str(tiny_predictor_dir), "--input", str(article), "--tasks", "relations"])
    assert "invalid choice: 'relations'" in capsys.readouterr().err


def test_jsonl_keeps_order_and_ids(tiny_predictor_dir, tmp_path):
    lines = [{"id": "a", "text": "Police arrested two men."}, {"id": 7, "text": ""}, {"text": "No id here."}]
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert main(["--model", str(tiny_predictor_dir), "--input", str(source), "--output", str(out),
                 "--batch-size", "1"]) == 0
    records = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in records] == ["a", 7, 3]  # a missing id becomes the line number
    assert records[1]["entities"] == [] and records[1]["events"] == []


def test_bad_lines_are_reported_and_nothing_else_is_lost(tiny_predictor_dir, tmp_path, capsys):
    source = tmp_path / "in.JSONL"  # the suffix is matched in any case
    source.write_bytes(b'{"id": "ok1", "text": "Troops fired."}\n'
                       b'{"id": "broken", "text": \n'
                       b'{"id": "nostring", "text": 5}\n'
                       b'{"id": "latin1", "text": "caf\xe9"}\n'
                       b'{"id": "surrogate", "text": "Troops \\ud800 fired."}\n'
                       b'{"id": "bad \\udc80 id", "text": "Troops fired."}\n'
                       b'{"id": "ok2", "text": "Protesters marched."}\n')
    out = tmp_path / "out.jsonl"
    assert main(["--model", str(tiny_predictor_dir), "--input", str(source), "--output", str(out)]) == 1
    records = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [r.get("id") for r in records] == ["ok1", None, "nostring", None, "surrogate", None, "ok2"]
    assert "entities" in records[0] and "entities" in records[6]
    err = capsys.readouterr().err
    assert f"{source}:2: invalid JSON" in err
    assert f"{source}:3: needs a string 'text' field" in err
    assert f"{source}:4: invalid UTF-8" in err
    assert f"{source}:5: field 'text': unpaired surrogate U+D800 at character 7" in err
    assert f"{source}:6: field 'id': unpaired surrogate U+DC80" in err


def test_stdin_to_stdout(tiny_predictor_dir):
    proc = subprocess.run([sys.executable, "-m", "inference.predict", "--model", str(tiny_predictor_dir)],
                          input="Gunmen abducted a trader in Kano.".encode(), capture_output=True, check=True)
    assert set(json.loads(proc.stdout)) == {"entities", "events", "non_acled_events"}
