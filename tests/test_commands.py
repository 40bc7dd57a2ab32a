"""Everyday commands through the real CLI: exit codes, stdout, stderr, and no change on errors."""

from __future__ import annotations

import json

import pytest

SPEC = [
    "--title", "Fast Inference from Transformers via Speculative Decoding",
    "--author", "Yaniv Leviathan", "--author", "Matan Kalman", "--author", "Yossi Matias",
    "--year", "2023", "--venue", "ICML", "--topic", "Speculative Decoding",
    "--url", "https://arxiv.org/abs/2211.17192", "--arxiv", "2211.17192",
]  # fmt: skip


@pytest.fixture
def db(cli, empty_db):
    """An empty database with a small tree: Efficient Inference > Speculative Decoding, and Evaluation."""
    for path in ("Efficient Inference", "Efficient Inference > Speculative Decoding", "Evaluation"):
        assert cli("section", "add", path, db=empty_db).exit_code == 0
    return empty_db


def add(cli, db, *args):
    result = cli("add", *args, db=db)
    assert result.exit_code == 0, result.stderr
    return result.lines[-1]


def papers(cli, db, *args):
    return json.loads(cli("query", "--format", "json", *args, db=db).stdout)


def test_add_prints_key_and_creates_topic_with_notice(cli, db):
    result = cli("add", *SPEC, "--section", "Speculative Decoding", db=db)
    assert result.exit_code == 0, result.stderr
    assert result.lines[-1] == "leviathan2023fast"
    assert "new topic 'Speculative Decoding'" in result.stderr
    [paper] = papers(cli, db)
    assert paper["authors"] == ["Yaniv Leviathan", "Matan Kalman", "Yossi Matias"]
    assert paper["sections"] == [["Efficient Inference", "Speculative Decoding"]]
    assert paper["type"] == "inproceedings"


def test_same_key_stem_gets_letters(cli, db):
    assert add(cli, db, "--title", "Data one", "--author", "Sang Xie", "--year", "2023") == "xie2023data"
    assert add(cli, db, "--title", "Data two", "--author", "Sang Xie", "--year", "2023") == "xie2023dataa"
    assert add(cli, db, "--title", "Data three", "--author", "Sang Xie", "--year", "2023") == "xie2023datab"


def test_duplicate_is_refused_naming_the_existing_key(cli, db):
    add(cli, db, *SPEC)
    again = cli("add", "--title", "fast inference from transformers via speculative decoding!", db=db)
    assert again.exit_code == 1
    assert "leviathan2023fast" in again.stderr and "--force" in again.stderr
    by_arxiv = cli("add", "--title", "Other", "--arxiv", "2211.17192v2", db=db)
    assert by_arxiv.exit_code == 1 and "arXiv id" in by_arxiv.stderr
    forced = cli(
        "add", "--title", "Fast Inference from Transformers via Speculative Decoding", "--force", db=db
    )
    assert forced.exit_code == 0
    assert len(papers(cli, db)) == 2


@pytest.mark.parametrize(
    ("option", "value", "what"), [("--arxiv", "2211.17192", "arXiv id"), ("--doi", "10.1000/x1", "DOI")]
)
def test_duplicate_identifier_advice_works_and_never_suggests_force(cli, db, option, value, what):
    add(cli, db, *SPEC, "--doi", "10.1000/x1")
    mine = ["--title", "Speculative decoding, the preprint", "--author", "Yaniv Leviathan", "--year", "2022"]
    for force in ([], ["--force"]):
        refused = cli("add", *mine, option, value, *force, db=db)
        assert refused.exit_code == 1
        assert f"same {what} is already present: leviathan2023fast" in refused.stderr
        assert "use --force" not in refused.stderr and "survey merge leviathan2023fast" in refused.stderr
        assert len(refused.stderr.strip().splitlines()) == 1
    # The advice works: add it without the identifier, then join the two.
    new = add(cli, db, *mine)
    assert cli("merge", "leviathan2023fast", new, db=db).exit_code == 0
    [paper] = papers(cli, db)
    assert paper["key"] == "leviathan2023fast"
    assert json.loads(cli("show", new, "--format", "json", db=db).stdout)["key"] == "leviathan2023fast"


def test_unknown_section_lists_close_matches(cli, db):
    result = cli("add", *SPEC, "--section", "Speculative Decodng", db=db)
    assert result.exit_code == 1
    assert (
        "unknown section 'Speculative Decodng'" in result.stderr and "'Speculative Decoding'" in result.stderr
    )
    assert papers(cli, db) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--title", "X", "--year", "twenty"], "year 'twenty' is not a four-digit number"),
        (["--title", "X", "--url", "ftp://example.org/x"], "is not an http(s) URL"),
        (["--title", "X", "--code", "javascript:alert(1)"], "is not an http(s) URL"),
        (["--title", "X", "--arxiv", "not-an-id"], "is not an arXiv id"),
        (["--year", "2020"], "give --title"),
    ],
)
def test_bad_input_is_one_line_exit_1_and_no_change(cli, db, args, message):
    result = cli("add", *args, db=db)
    assert result.exit_code == 1
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert papers(cli, db) == []


def test_usage_error_exits_2(cli, db):
    result = cli("query", "--limit", "many", db=db)
    assert result.exit_code == 2


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["query", "--year", "2023", "--year", "2024"], "--year"),
        (["export", "-y", "2023", "--year", "2024"], "--year"),
        (["query", "--venue", "ICML", "--venue", "NeurIPS"], "--venue"),
        (["add", "--title", "One", "--title", "Two"], "--title"),
        (["keys", "regenerate", "--pattern", "{author}", "--pattern", "{year}"], "--pattern"),
        (["--db", "other.db", "query"], "--db"),  # the root's own option, beside the fixture's --db
    ],
)
def test_an_option_of_one_value_given_twice_is_a_usage_error(cli, db, args, option):
    result = cli(*args, db=db)
    assert result.exit_code == 2 and f"Error: {option} is given more than once; give it once" in result.stderr
    assert result.stdout == "" and papers(cli, db) == []
    bare = cli(db=None)  # the root's help options are still both after the check
    assert "-h, --help" in bare.stdout + bare.stderr
    # Options that take several values still repeat.
    assert cli("query", "--topic", "A", "--topic", "B", db=db).exit_code == 1  # unknown topics, not usage


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["export", "--style", "table"], "error: --style goes with --markdown\n"),
        (["export", "--bibtex", "--style", "list"], "error: --style goes with --markdown\n"),
        (["export", "--json", "--toc-depth", "2"], "error: --toc-depth goes with --markdown\n"),
    ],
)
def test_markdown_options_without_markdown_are_an_error(cli, db, args, message):
    result = cli(*args, db=db)
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", message)


def test_show_formats(cli, db):
    key = add(cli, db, *SPEC)
    table = cli("show", key, db=db)
    assert "title: Fast Inference from Transformers via Speculative Decoding" in table.stdout
    shown = json.loads(cli("show", key, "--format", "json", db=db).stdout)
    assert shown["arxiv_id"] == "2211.17192" and shown["topics"] == ["Speculative Decoding"]
    bib = cli("show", key, "--format", "bibtex", db=db).stdout
    assert bib.startswith("@inproceedings{leviathan2023fast,")
    missing = cli("show", "leviathan2023fats", db=db)
    assert missing.exit_code == 1 and "did you mean 'leviathan2023fast'" in missing.stderr


def test_edit_fields_topics_and_key(cli, db):
    key = add(cli, db, *SPEC)
    result = cli(
        "edit", key, "--code", "https://github.com/example/specdec", "--add-topic", "Decoding",
        "--remove-topic", "speculative-decoding", "--year", "2022", db=db,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    [paper] = papers(cli, db)
    assert (paper["code_url"], paper["topics"], paper["year"]) == (
        "https://github.com/example/specdec",
        ["Decoding"],
        2022,
    )
    renamed = cli("edit", key, "--key", "specdec", db=db)
    assert renamed.lines[-1] == "specdec"
    assert json.loads(cli("show", key, "--format", "json", db=db).stdout)["aliases"] == [key]


def test_edit_in_editor_applies_the_change(cli, db, monkeypatch, tmp_path):
    key = add(cli, db, *SPEC)
    script = tmp_path / "editor.py"
    script.write_text(
        "import sys, pathlib\np = pathlib.Path(sys.argv[1])\n"
        "p.write_text(p.read_text().replace('pages', 'pages').replace('year = {2023}', 'year = {2024}'))\n"
    )
    import sys

    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    result = cli("edit", key, db=db)
    assert result.exit_code == 0, result.stderr
    assert papers(cli, db)[0]["year"] == 2024


def test_rm_needs_yes_without_terminal(cli, db):
    key = add(cli, db, *SPEC)
    refused = cli("rm", key, db=db)
    assert refused.exit_code == 1 and "--yes" in refused.stderr
    assert len(papers(cli, db)) == 1
    assert cli("rm", key, "--yes", db=db).exit_code == 0
    assert papers(cli, db) == []


def test_mv_places_moves_and_reorders(cli, db):
    first = add(cli, db, *SPEC, "--section", "Speculative Decoding")
    second = add(cli, db, "--title", "Accelerating decoding with speculative sampling", "--year", "2023",
                 "--section", "Speculative Decoding")  # fmt: skip
    assert cli("query", "--section", "Speculative Decoding", "--format", "keys", db=db).lines == [
        first,
        second,
    ]
    assert cli("mv", second, "--section", "Speculative Decoding", "--position", "1", db=db).exit_code == 0
    assert cli("query", "--section", "Speculative Decoding", "--format", "keys", db=db).lines == [
        second,
        first,
    ]
    moved = cli("mv", first, "--section", "Evaluation", "--from", "Speculative Decoding", db=db)
    assert moved.exit_code == 0, moved.stderr
    assert cli("query", "--section", "Evaluation", "--format", "keys", db=db).lines == [first]
    # --section includes subsections
    assert cli("query", "--section", "Efficient Inference", "--format", "keys", db=db).lines == [second]


def test_query_filters(cli, db):
    add(cli, db, *SPEC)
    add(cli, db, "--title", "Gaël Über model", "--author", "Gaël Varoquaux", "--year", "2021",
        "--venue", "arXiv",
        "--code", "https://github.com/a/b", "--topic", "Other")  # fmt: skip
    keys = lambda *a: cli("query", "--format", "keys", *a, db=db).lines  # noqa: E731
    assert keys("uber") == ["varoquaux2021gael"]
    assert keys("GAEL") == ["varoquaux2021gael"]
    assert keys("spec decod") == ["leviathan2023fast"]
    assert keys("ecoding") == []
    assert keys("--author", "varoq") == ["varoquaux2021gael"]
    assert keys("--author", "gael v") == ["varoquaux2021gael"]
    assert keys("--year", "2022..") == ["leviathan2023fast"]
    assert keys("--year", "..2022") == ["varoquaux2021gael"]
    assert keys("--year", "2021..2023", "--has-code") == ["varoquaux2021gael"]
    assert keys("--venue", "icml") == ["leviathan2023fast"]
    assert keys("--topic", "speculative-decoding") == ["leviathan2023fast"]
    assert keys("--sort", "year") == ["leviathan2023fast", "varoquaux2021gael"]
    bad_year = cli("query", "--year", "20x1", db=db)
    assert bad_year.exit_code == 1 and "not a year or range" in bad_year.stderr
    unknown = cli("query", "--topic", "Speculative Decodin", db=db)
    assert unknown.exit_code == 1 and "did you mean 'Speculative Decoding'" in unknown.stderr


def test_query_in_a_pipe_prints_every_row_unless_limit(cli, db, tmp_path):
    rows = "\n".join(f"Paper number {i},20{10 + i % 10}" for i in range(60))
    (tmp_path / "many.csv").write_text("title,year\n" + rows + "\n")
    assert cli("import", tmp_path / "many.csv", db=db).exit_code == 0
    piped = cli("query", db=db)  # the 50-row cut is for a table on a terminal (tests/test_output.py)
    assert len(piped.lines) == 60 and piped.stderr == "60 papers\n"
    limited = cli("query", "--limit", "50", db=db)
    assert len(limited.lines) == 50 and limited.stderr == "50 of 60 papers\n"
    assert len(cli("query", "--limit", "0", db=db).lines) == 60
    assert len(cli("query", "--format", "keys", db=db).lines) == 60
    csv_out = cli("query", "--format", "csv", "--limit", "3", db=db).lines
    assert csv_out[0].startswith("key,type,title,authors,year") and len(csv_out) == 4


def test_topics_rename_and_merge(cli, db):
    add(cli, db, *SPEC)
    add(cli, db, "--title", "Another", "--topic", "Decoding")
    assert cli("topic", "rename", "Decoding", "Fast Decoding", db=db).exit_code == 0
    listed = json.loads(cli("topics", "--format", "json", db=db).stdout)
    assert {t["topic"] for t in listed} == {"Speculative Decoding", "Fast Decoding"}
    assert cli("topic", "merge", "Fast Decoding", "Speculative Decoding", db=db).exit_code == 0
    assert json.loads(cli("topics", "--format", "json", db=db).stdout) == [
        {"topic": "Speculative Decoding", "papers": 2}
    ]


def test_sections_tree_and_section_commands(cli, db):
    add(cli, db, *SPEC, "--section", "Speculative Decoding")
    tree = cli("sections", db=db)
    assert tree.lines == ["Efficient Inference (0/1)", "  Speculative Decoding (1/1)", "Evaluation (0/0)"]
    assert cli("section", "add", "Efficient Inference > Cascades", "--position", "1", db=db).exit_code == 0
    assert cli("section", "rename", "Cascades", "Model Cascading", db=db).exit_code == 0
    assert cli("section", "mv", "Evaluation", "--parent", "Efficient Inference", db=db).exit_code == 0
    assert cli("sections", db=db).lines == [
        "Efficient Inference (0/1)", "  Model Cascading (0/0)", "  Speculative Decoding (1/1)",
        "  Evaluation (0/0)",
    ]  # fmt: skip
    refused = cli("section", "rm", "Speculative Decoding", db=db)
    assert refused.exit_code == 1 and "--force" in refused.stderr
    assert cli("section", "rm", "Speculative Decoding", "--force", db=db).exit_code == 0
    assert len(papers(cli, db)) == 1
    ambiguous = cli("section", "add", "Nowhere > Child", db=db)
    assert ambiguous.exit_code == 1 and "unknown section 'Nowhere'" in ambiguous.stderr


def test_every_command_has_help_with_an_example(cli):
    from typer.main import get_command

    from survey_db.cli import app

    def walk(command, path):
        yield path, command
        for name, sub in getattr(command, "commands", {}).items():
            yield from walk(sub, [*path, name])

    for path, command in walk(get_command(app), []):
        assert command.help and command.help.strip(), f"'survey {' '.join(path)}' has no help text"
        if not getattr(command, "commands", None):
            assert "Example: survey" in command.help, f"'survey {' '.join(path)}' has no example"
            result = cli(*path, "--help")
            assert result.exit_code == 0 and "Example" in result.stdout


def test_database_errors_are_one_line(cli, tmp_path):
    notes = tmp_path / "notes.db"
    notes.write_bytes(b"not a database at all" * 50)
    result = cli("query", db=str(notes))
    assert result.exit_code == 1 and result.stderr.startswith("error: cannot open database")
    missing = cli("query", db=str(tmp_path / "no" / "such.db"))
    assert missing.exit_code == 1 and "does not exist" in missing.stderr


def test_import_errors(cli, db, tmp_path):
    missing = cli("import", tmp_path / "nope.bib", db=db)
    assert missing.exit_code == 1 and "no such file" in missing.stderr
    binary = tmp_path / "x.csv"
    binary.write_bytes(b"\x00\x01\x02PNG")
    result = cli("import", binary, db=db)
    assert result.exit_code == 1 and "binary" in result.stderr
    unknown = cli("import", tmp_path / "x.docx", db=db)
    assert unknown.exit_code == 1 and "--format" in unknown.stderr


def test_dry_run_writes_nothing(cli, db, tmp_path):
    (tmp_path / "one.csv").write_text("title,year\nA paper,2020\n")
    result = cli("import", tmp_path / "one.csv", "--dry-run", db=db)
    assert result.exit_code == 0 and "dry run" in result.stdout and "1 added" in result.stdout
    assert papers(cli, db) == []


def test_mv_without_from_says_also_placed_and_how_to_move(cli, db):
    key = add(cli, db, *SPEC, "--section", "Speculative Decoding")
    result = cli("mv", key, "--section", "Evaluation", db=db)
    assert result.exit_code == 0, result.stderr
    assert "also placed in Evaluation" in result.stderr
    assert "stays in Efficient Inference > Speculative Decoding" in result.stderr
    advice = result.stderr.split("to move it: ", 1)[1].rstrip(")\n")
    assert advice.startswith(f"survey mv {key} --section Evaluation --from ")
    assert papers(cli, db)[0]["sections"] == [["Efficient Inference", "Speculative Decoding"], ["Evaluation"]]
    # The printed command is the move: run it and the paper sits in Evaluation only.
    import shlex

    moved = cli(*shlex.split(advice)[1:], db=db)
    assert moved.exit_code == 0, moved.stderr
    assert "also placed" not in moved.stderr and f"{key} placed in Evaluation" in moved.stderr
    assert papers(cli, db)[0]["sections"] == [["Evaluation"]]


@pytest.mark.parametrize("command", ["add", "edit-add", "edit-replace"])
def test_a_misspelt_topic_is_refused_with_the_suggestion_unless_new_topic(cli, db, command):
    key = add(cli, db, *SPEC)
    before = papers(cli, db)

    def run(topic, *extra):
        if command == "add":
            return cli("add", "--title", f"On {topic}", "--year", "2024", "--topic", topic, *extra, db=db)
        option = "--add-topic" if command == "edit-add" else "--topic"
        return cli("edit", key, option, topic, *extra, db=db)

    refused = run("Speculative Decodng")
    assert refused.exit_code == 1
    assert "did you mean 'Speculative Decoding'?" in refused.stderr and "--new-topic" in refused.stderr
    assert papers(cli, db) == before
    # Another spelling of the stored topic (its slug, other case) is that topic, not a new one.
    assert run("speculative-decoding").exit_code == 0
    assert topic_names(cli, db) == ["Speculative Decoding"]
    forced = run("Speculative Decodng", "--new-topic")
    assert forced.exit_code == 0, forced.stderr
    assert "new topic 'Speculative Decodng' created" in forced.stderr
    fresh = run("Tree Attention")
    assert fresh.exit_code == 0 and "new topic 'Tree Attention' created" in fresh.stderr
    assert sorted(topic_names(cli, db)) == ["Speculative Decoding", "Speculative Decodng", "Tree Attention"]


def topic_names(cli, db):
    return [row["topic"] for row in json.loads(cli("topics", "--format", "json", db=db).stdout)]


def test_import_into_an_empty_survey_reports_new_topics_in_one_line(cli, empty_db, tmp_path):
    bib = tmp_path / "refs.bib"
    bib.write_text(
        "".join(
            f"@misc{{p{i}, title = {{Paper {i}}}, year = {{2023}}, keywords = {{Topic {i}, Shared}}}}\n"
            for i in range(8)
        )
    )
    result = cli("import", str(bib), db=empty_db)
    assert result.exit_code == 0, result.stderr
    topic_lines = [line for line in result.stderr.splitlines() if "new topic" in line]
    assert topic_lines == [
        "9 new topics: 'Topic 0', 'Shared', 'Topic 1', 'Topic 2', 'Topic 3' and 4 more "
        "(`survey topics` lists them)"
    ]
    # Into a survey that has topics, each new one is named, so a typo shows.
    more = tmp_path / "more.bib"
    more.write_text("@misc{q, title = {Q}, year = {2023}, keywords = {Shared, Fresh, Newer}}\n")
    again = cli("import", str(more), db=empty_db)
    assert [line for line in again.stderr.splitlines() if "new topic" in line] == [
        "warning: new topic 'Fresh' created",
        "warning: new topic 'Newer' created",
    ]


def test_add_warns_on_a_missing_author_or_year(cli, db):
    bare = cli("add", "--title", "Only A Title Here", db=db)
    assert bare.exit_code == 0 and bare.lines[-1] == "anononly"
    assert "anononly has no author and no year: give them with `survey edit anononly --author" in bare.stderr
    no_year = cli("add", "--title", "Another Title", "--author", "Jane Doe", db=db)
    assert "doeanother has no year: give it with `survey edit doeanother --year YEAR`" in no_year.stderr
    complete = cli("add", "--title", "A Third", "--author", "Jane Doe", "--year", "2024", db=db)
    assert complete.exit_code == 0 and "has no" not in complete.stderr


def test_author_option_splits_on_and_and_warns_on_a_comma_list(cli, db):
    joined = cli("add", "--title", "Two People", "--author", "Alice Smith and Bob Jones", "--year", "2024",
                 db=db)  # fmt: skip
    assert joined.exit_code == 0 and "warning" not in joined.stderr
    assert papers(cli, db)[0]["authors"] == ["Alice Smith", "Bob Jones"]
    assert joined.lines[-1] == "smith2024two"
    comma = cli("add", "--title", "Comma People", "--author", "Alice Smith, Bob Jones", "--year", "2024",
                db=db)  # fmt: skip
    assert comma.exit_code == 0
    assert "warning: --author 'Alice Smith, Bob Jones' reads as one person" in comma.stderr
    assert "join them with ' and '" in comma.stderr
    # Kept as BibTeX reads it: one person, last name 'Alice Smith'.
    assert json.loads(cli("show", comma.lines[-1], "--format", "json", db=db).stdout)["authors"] == [
        "Bob Jones Alice Smith"
    ]
    # 'Last, First' of one person, several --author options, and edit: no warning, in order.
    one = cli("add", "--title", "Proper", "--author", "Le Scao, Teven", "--author", "van der Berg, Jan",
              "--author", "Ma and Xie, Sang Michael", "--year", "2024", db=db)  # fmt: skip
    assert one.exit_code == 0 and "warning" not in one.stderr
    assert json.loads(cli("show", one.lines[-1], "--format", "json", db=db).stdout)["authors"] == [
        "Teven Le Scao",
        "Jan van der Berg",
        "Ma",
        "Sang Michael Xie",
    ]
    edited = cli("edit", one.lines[-1], "--author", "Carol White AND Dan Brown", db=db)
    assert edited.exit_code == 0, edited.stderr
    assert json.loads(cli("show", one.lines[-1], "--format", "json", db=db).stdout)["authors"] == [
        "Carol White",
        "Dan Brown",
    ]
