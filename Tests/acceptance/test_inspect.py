"""`factorylog inspect FILE`: the same opening and decoding as `run` (one shared reader), shown."""
import json
import subprocess

from test_incremental import BIN, kong_record, write_lines


def inspect(path, *extra):
    return subprocess.run([BIN, "inspect", str(path), *extra], capture_output=True, text=True, timeout=60)


def test_json_lines_are_shown_as_their_events(tmp_path):
    write_lines(tmp_path / "access.jsonl", [kong_record(i) for i in range(3)] + ["not json"])
    p = inspect(tmp_path / "access.jsonl")
    assert p.returncode == 0, p.stderr
    assert "format:      kong (detected)" in p.stdout
    assert p.stdout.count("llm_call ") == 3
    # 4 lines: 3 records and one malformed
    assert "lines read:  4 (malformed: 1); events shown: 3" in p.stdout


def test_one_json_document_is_read_as_its_records_as_run_reads_it(tmp_path):
    # A JSON array of two Kong records, pretty-printed over many lines: two records, two events.
    doc = tmp_path / "export.json"
    doc.write_text(json.dumps([json.loads(kong_record(0)), json.loads(kong_record(1))], indent=2))
    p = inspect(doc)
    assert p.returncode == 0, p.stderr
    assert "one JSON document, read as its records" in p.stdout
    assert "format:      kong (detected)" in p.stdout
    assert p.stdout.count("llm_call ") == 2
    assert "lines read:  2 (malformed: 0); events shown: 2" in p.stdout
    # -n limits the events shown
    p = inspect(doc, "-n", "1")
    assert p.stdout.count("llm_call ") == 1


def test_an_unknown_file_is_named_and_fails(tmp_path):
    write_lines(tmp_path / "notes.txt", ["hello", "world"])
    p = inspect(tmp_path / "notes.txt")
    assert p.returncode == 1
    assert "format:      unknown" in p.stdout


def test_an_empty_file_is_fine_and_a_cut_stream_is_named_as_run_names_them(tmp_path):
    (tmp_path / "empty.jsonl").write_bytes(b"")
    p = inspect(tmp_path / "empty.jsonl")
    assert p.returncode == 0 and "holds no line" in p.stdout, p.stdout
    # A gzip stream cut inside its first line: no complete line before the damage.
    import gzip
    cut = gzip.compress(b'{"a": "' + b"x" * 5000 + b'"}\n')[:40]
    (tmp_path / "cut.jsonl.gz").write_bytes(cut)
    p = inspect(tmp_path / "cut.jsonl.gz")
    assert p.returncode == 1 and "damaged gzip stream" in p.stdout, p.stdout
