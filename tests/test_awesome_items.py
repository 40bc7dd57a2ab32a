"""survey_db.markdown's item recognisers, each on short snippets written here in the shape of real awesome
lists: bullets, numbered items, nested and multi-line items, sub-bullets, paragraphs, ragged pipe tables and
HTML tables."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from survey_db.markdown import parse_readme
from survey_db.markdown.badges import badge_dated_venue, dated_venue
from survey_db.markdown.inline import markdown_nodes
from survey_db.markdown.items import names_like, read_item, split_short_title, title_with_venue
from survey_db.markdown.links import link_role
from survey_db.records import Name


def rows(text: str):
    readme = parse_readme(text)
    return [row for section in readme.sections for row in section.rows] + readme.loose_rows


def one(text: str):
    found = rows(text)
    assert len(found) == 1, [r.title for r in found]
    return found[0]


# ---------------------------------------------------------------------------------------------------------
# Small parts


@pytest.mark.parametrize(("text", "expected"), [
    ("arXiv, May 2023", ("arXiv", 2023)),
    ("IROS, Sept 2022", ("IROS", 2022)),
    ("ICLR 2024", ("ICLR", 2024)),
    ("EMNLP2023-findings", ("EMNLP findings", 2023)),
    ("2024.11", (None, 2024)),
    ("Preprint", ("Preprint", None)),
    ("arXiv:2101.00001, 2021", ("arXiv", 2021)),
    ("Drafter: small LM", None),
    ("Survey", None),
])
def test_dated_venue(text, expected):
    assert dated_venue(text) == expected


def test_badges_give_a_venue_only_when_dated():
    assert badge_dated_venue("https://img.shields.io/badge/NeurIPS2022-orange") == ("NeurIPS", 2022)
    assert badge_dated_venue("https://img.shields.io/badge/Arxiv-orange") == ("arXiv", None)
    assert badge_dated_venue("https://img.shields.io/badge/Tree_Drafts-green") is None
    assert badge_dated_venue("https://img.shields.io/github/stars/a/b?style=social") is None


@pytest.mark.parametrize(("label", "url", "role"), [
    ("Paper", "https://example.org/x", "paper"),
    ("pdf", "https://example.org/x.html", "paper"),
    ("Code", "https://example.org/code", "code"),
    ("Pytorch Code", "https://example.org/c", "code"),
    ("Website", "https://example.org/", "project"),
    ("Link", "https://github.com/a/b", "code"),
    ("Some Title", "https://openreview.net/forum?id=abc", "paper"),
    ("Some Title", "https://github.com/a/b", "code"),
    ("Video", "https://youtube.com/watch?v=1", "other"),
    ("ICML", "https://icml.cc/", "project"),
    ("ACL", "http://www.acl2019.org/EN/index.xhtml", "project"),
])
def test_link_roles(label, url, role):
    assert link_role(label, url) == role


def test_names_like():
    assert names_like("Ada Lovelace, Alan Turing and Grace Hopper")
    assert names_like("Ada Lovelace et al.")
    assert names_like("Marie de la Cour, J. R. Smith")
    assert not names_like("Efficient Robust Language Models")
    assert not names_like("a survey of decoding methods")
    assert not names_like("NeurIPS 2023")


def test_short_names_and_venues_written_after_a_title():
    assert split_short_title("[KVQ] KVQ: Quantised Caches(@SomeLab)") == ("KVQ: Quantised Caches", "KVQ")
    assert split_short_title("[Draft] notes") == ("[Draft] notes", None)
    assert title_with_venue("Faster Trees (AAAI 2022)") == ("Faster Trees", ("AAAI", 2022))
    assert title_with_venue("Faster Trees ⭐ ICSE 2025") == ("Faster Trees", ("ICSE", 2025))
    assert title_with_venue("Trees (and Forests)") == ("Trees (and Forests)", None)


# ---------------------------------------------------------------------------------------------------------
# Bullet and numbered items


def test_abbrev_colon_quoted_title_italic_venue():
    row = one('## A\n\n* **FastBot**: "Fast Robots from Language", *CoRL, Oct 2023*. '
              "[[Paper](https://arxiv.org/abs/2310.00001)] [[Code](https://github.com/x/fastbot)] "
              "[[Website](https://fastbot.example.org/)]\n")
    assert (row.title, row.extra["shorttitle"], row.venue, row.year) == (
        "Fast Robots from Language", "FastBot", "CoRL", 2023)
    assert (row.arxiv_id, row.code_url, row.extra["projectpage"]) == (
        "2310.00001", "https://github.com/x/fastbot", "https://fastbot.example.org/")


def test_abbrev_variants_and_two_links_in_one_bracket():
    first, second, third = rows(
        '## A\n\n* "Planning Goals with Language", *arXiv, Feb 2023*. [[Paper](https://arxiv.org/abs/2302.00001)]\n'
        '* **[PlanX]** "Plans Explained", *ICRA, Mar 2023*. [[Paper](https://arxiv.org/abs/2303.00002) '
        "[Code](https://github.com/x/planx)]\n"
        '* **Walker** "Walking by Talking" *RSS, Jul 2023*. [[Paper](https://openreview.net/forum?id=w1)]\n')
    assert (first.title, first.extra.get("shorttitle"), first.year) == (
        "Planning Goals with Language", None, 2023)
    assert (second.title, second.extra["shorttitle"], second.code_url) == (
        "Plans Explained", "PlanX", "https://github.com/x/planx")
    assert (third.title, third.extra["shorttitle"], third.url) == (
        "Walking by Talking", "Walker", "https://openreview.net/forum?id=w1")


def test_numbered_bold_title_italic_authors_plain_venue():
    row = one("## A\n\n3. **Deep Word Vectors**. *Ann Smith, Bob Jones and Cy Lee*. NAACL 2018. "
              "[[pdf](https://arxiv.org/pdf/1802.00001.pdf)] [[project](https://words.example.org)] "
              "(**DWV**)\n")
    assert (row.title, row.venue, row.year, row.arxiv_id) == (
        "Deep Word Vectors", "NAACL", 2018, "1802.00001")
    assert row.authors == [Name("Ann", "Smith"), Name("Bob", "Jones"), Name("Cy", "Lee")]
    assert row.extra["projectpage"] == "https://words.example.org"


def test_bold_title_hard_break_authors_links_date_and_badges():
    row = one("## A\n\n- **Draft and Verify Faster**  \n"
              "  *Ann Smith, Bob Jones.* [[pdf](https://aclanthology.org/2024.acl-long.1.pdf)], "
              "[[code](https://github.com/x/dv)], 2023.09. ![](https://img.shields.io/badge/ACL2024-orange) "
              "![](https://img.shields.io/badge/Drafter:_self-green)\n")
    assert (row.title, row.venue, row.year) == ("Draft and Verify Faster", "ACL", 2024)  # the venue's year
    assert [a.last for a in row.authors] == ["Smith", "Jones"]
    assert (row.url, row.code_url) == ("https://aclanthology.org/2024.acl-long.1.pdf", "https://github.com/x/dv")


def test_nested_items_under_group_bullets_with_venue_in_front():
    text = ("## A\n\n* <span id='t2f'> **Text to Face** </span>\n"
            "    * (CVPR 2023) [💬 3D] **Faces from Words**, Ann Smith et al. "
            "[[Paper](https://arxiv.org/abs/2304.00001)] "
            "[[Project](https://faces.example.org)]\n"
            "    * (arXiv preprint 2022) **More Faces**, Bob Jones, [[Paper](https://arxiv.org/abs/2210.00002)]\n"
            "* **Text to Video**\n"
            "    * (ICLR 2024) **Moving Words**, Cy Lee et al. [[Paper](https://openreview.net/forum?id=mw)]\n")
    faces, more, moving = rows(text)
    assert (faces.title, faces.venue, faces.year, faces.topics) == ("Faces from Words", "CVPR", 2023, ["3D"])
    assert faces.authors == [Name("Ann", "Smith")]
    assert (more.title, more.venue, more.year) == ("More Faces", "arXiv preprint", 2022)
    assert (moving.title, moving.url) == ("Moving Words", "https://openreview.net/forum?id=mw")


def test_year_group_bullets_date_their_items():
    early, late = rows("## A\n\n- 2021\n  - **Old Trick**. [[pdf](https://arxiv.org/abs/2101.00001)]\n"
                       "- 2023\n  - **New Trick**. [[pdf](https://example.org/new.pdf)]\n")
    assert (early.year, late.year) == (2021, 2023)


def test_sub_bullets_hold_authors_and_links_of_one_paper():
    text = ("## 2022\n\n- **Sparse Trees for Fair Prediction (AAAI 2022)**\n"
            "  - Ann Smith, Bob Jones\n  - [[Paper]](https://ojs.aaai.org/index.php/AAAI/article/view/1)\n"
            "  - [[Code]](https://github.com/x/trees)\n\n"
            "- **Optimal Trees Again**\n  - Cy Lee\n  - [[Paper]](https://arxiv.org/abs/2112.00001)\n")
    readme = parse_readme(text)
    first, second = readme.sections[0].rows
    assert (first.title, first.venue, first.year) == ("Sparse Trees for Fair Prediction", "AAAI", 2022)
    assert (first.url, first.code_url) == ("https://ojs.aaai.org/index.php/AAAI/article/view/1",
                                           "https://github.com/x/trees")
    assert first.authors == [Name("Ann", "Smith"), Name("Bob", "Jones")]
    # The '## 2022' heading stays a section and dates the paper that names no year.
    assert (second.title, second.year, second.authors) == ("Optimal Trees Again", 2022, [Name("Cy", "Lee")])
    assert [item.line for item in readme.items] == [3, 8]


def test_numbered_items_with_continuation_lines_and_bold_paragraphs():
    text = ("## A\n\n**A Survey of Editing** <br />\nAnn Smith, Bob Jones. [[paper](https://arxiv.org/abs/2310.00003)]\n\n"
            "1. **Memory Editing at Scale** (ICML 2022) <br />\n    Cy Lee, Dee Moss.\n"
            "      [[paper](https://arxiv.org/abs/2206.00004)] [[code](https://github.com/x/mem)]\n\n"
            "2. **Patching Models**. <br />\n   Eve Stone.\n   [[paper](https://arxiv.org/abs/2211.00005)]\n")
    survey, memory, patching = rows(text)
    assert (survey.title, survey.authors) == (
        "A Survey of Editing", [Name("Ann", "Smith"), Name("Bob", "Jones")])
    assert (memory.title, memory.venue, memory.year, memory.code_url) == (
        "Memory Editing at Scale", "ICML", 2022, "https://github.com/x/mem")
    assert memory.authors == [Name("Cy", "Lee"), Name("Dee", "Moss")]
    assert (patching.title, patching.arxiv_id, patching.authors) == (
        "Patching Models", "2211.00005", [Name("Eve", "Stone")])


def test_remaining_text_and_extra_links_go_to_the_note():
    row = one("## A\n\n- **Quick Decoding**. [[pdf](https://arxiv.org/abs/2401.00006)] "
              "[[slides](https://slides.example.org/q)] - TL;DR: drafts twice as fast.\n")
    assert "drafts twice as fast" in row.note and "https://slides.example.org/q" in row.note


def test_items_that_are_not_papers_are_skipped_with_a_reason():
    readme = parse_readme(
        "## A\n\n- [Awesome Other Topic](https://github.com/x/awesome-other)\n"
        "- [A decoding toolkit](https://github.com/x/toolkit) - fast inference library.\n"
        "- **2024-05-16 Our paper on trees was accepted at ACL 2024.** [link](https://arxiv.org/abs/2405.00001)\n"
        "- Pull requests are welcome\n- **Fast Decoding**. [[pdf](https://arxiv.org/abs/2401.00007)]\n")
    assert [row.title for row in readme.sections[0].rows] == ["Fast Decoding"]
    reasons = [item.reason for item in readme.items if item.record is None]
    assert reasons == ["a link to another list", "links only to code or a website, no paper",
                       "a news line, not a paper", "no link, authors or venue: not a paper"]


def test_the_written_list_shape_keeps_its_reading():
    first, second = rows("## A\n\n- [Fast](https://example.org/fast) - *Decoding*, ICML 2023, "
                         "[code](https://github.com/x/fast).\n- **Unlinked** - A note.\n")
    assert (first.title, first.topics, first.venue, first.code_url) == (
        "Fast", ["Decoding"], "ICML", "https://github.com/x/fast")
    assert (second.title, second.url, second.note) == ("Unlinked", None, "A note.")


def test_read_item_reports_every_link():
    text = "**T Title**. [[pdf](https://a.org/t.pdf)] [[code](https://github.com/a/t)]"
    item = read_item(markdown_nodes(text, 4), "x.md:4")
    assert item.record is not None and item.line == 4
    assert [(link.role, link.url) for link in item.links] == [("paper", "https://a.org/t.pdf"),
                                                              ("code", "https://github.com/a/t")]


# ---------------------------------------------------------------------------------------------------------
# Tables


def test_ragged_pipe_table_with_badges_br_and_comment_cells():
    text = ("## A\n\n| Title | Venue | Code | Comment |\n|---|---|---|---|\n"
            "| ![Star](https://img.shields.io/github/stars/x/y.svg?style=social) <br> "
            "[**Judging Small Models**](https://arxiv.org/abs/2507.00008) <br> Ann Smith, Bob Jones "
            "| ArXiv 2025 | "
            "[Github](https://github.com/x/y) | strong baseline | [//]: #Recommend |\n"
            "| Second Paper | ICLR 2024 | | |\n| | | | |\n")
    judging, second = rows(text)
    assert (judging.title, judging.arxiv_id, judging.code_url) == (
        "Judging Small Models", "2507.00008", "https://github.com/x/y")
    assert judging.authors == [Name("Ann", "Smith"), Name("Bob", "Jones")]
    assert judging.note == "strong baseline"
    assert (second.title, second.venue, second.year) == ("Second Paper", "ICLR", 2024)


def test_table_whose_paper_column_holds_links_and_short_names_in_titles():
    text = ("## A\n\n|Date|Title|Paper|Code|Recom|\n|:---:|:---:|:---:|:---:|:---:|\n"
            "|2024.05| 🔥[KVQ] KVQ: Quantised Caches for Long Context(@SomeLab)|[[pdf]](https://arxiv.org/pdf/2405.00009)"
            "|[[KVQ]](https://github.com/x/kvq) ![](https://img.shields.io/github/stars/x/kvq.svg?style=social)|⭐️⭐️|\n")
    row = one(text)
    assert (row.title, row.extra["shorttitle"], row.arxiv_id, row.year) == (
        "KVQ: Quantised Caches for Long Context", "KVQ", "2405.00009", 2024)
    assert row.code_url == "https://github.com/x/kvq"


def test_table_without_a_title_column_takes_its_named_column():
    text = ("## Benchmarks\n\n| Benchmark | Focus | Paper |\n|---|---|---|\n"
            "| TreeBench | trees | [Paper](https://arxiv.org/abs/2604.00010) |\n\n"
            "## Data\n\n| Edit Type | Datasets |\n|---|---|\n"
            "| **Facts** | [FactSet](https://arxiv.org/abs/2305.00011), "
            "[FactSet Plus](https://arxiv.org/abs/2305.00012) |\n")
    readme = parse_readme(text)
    bench = readme.sections[0].rows[0]
    assert (bench.title, bench.arxiv_id) == ("TreeBench", "2604.00010")
    facts = readme.sections[1].rows  # one row is one paper; the other link is kept in its note
    assert [(r.title, r.arxiv_id) for r in facts] == [("FactSet", "2305.00011")]
    assert "https://arxiv.org/abs/2305.00012" in facts[0].note


def test_html_table_rows_with_dates_and_star_badges():
    text = ("## A\n\n<table>\n<tr><th>Title</th><th>Date</th><th>Key Contribution</th><th>Links</th></tr>\n"
            '<tr><td>Agents That Learn ⭐ ICSE 2026</td><td>Mar 2026</td><td>learns online</td><td>'
            '<a href="https://arxiv.org/abs/2603.00013">Paper</a> <a href="https://github.com/x/a">'
            '<img src="https://img.shields.io/github/stars/x/a?style=social" alt="Stars"></a></td></tr>\n'
            "</table>\n")
    row = one(text)
    assert (row.title, row.venue, row.year, row.arxiv_id) == ("Agents That Learn", "ICSE", 2026, "2603.00013")
    assert (row.code_url, row.note) == ("https://github.com/x/a", "learns online")


# ---------------------------------------------------------------------------------------------------------
# The CLI: --explain, and one reader for import, diff and check


SAMPLE = """# Awesome Trees

## Contents

- [Papers](#papers)

## Papers

### 2022

- **Sparse Trees (AAAI 2022)**
  - Ann Smith, Bob Jones
  - [[Paper]](https://arxiv.org/abs/2201.00014)
- [Awesome Forests](https://github.com/x/awesome-forests)

| Title | Venue |
|---|---|
| [Deep Forests](https://arxiv.org/abs/2202.00015) | ICML 2022 |

## Contributing

- Open a pull request.
"""


def test_import_explain_then_diff_and_check_agree(cli, empty_db, tmp_path: Path):
    readme = tmp_path / "README.md"
    readme.write_text(SAMPLE, encoding="utf-8")
    dry = cli("import", readme, "--dry-run", "--explain", db=empty_db)
    assert dry.exit_code == 0, dry.stderr
    assert "## Papers > 2022" in dry.stdout
    assert "line 11: paper 'Sparse Trees' [venue=AAAI, year=2022, authors=2]" in dry.stdout
    assert "line 14: skipped: a link to another list" in dry.stdout
    assert "line 18: paper 'Deep Forests'" in dry.stdout
    assert "not a paper: 1 item(s): a link to another list" in dry.stderr
    assert "dry run, nothing written" in dry.stdout and "1 items not papers" in dry.stdout
    done = cli("import", readme, db=empty_db)
    assert done.exit_code == 0 and "2 added" in done.stdout, done.stdout + done.stderr
    diff = cli("diff", readme, db=empty_db)
    assert diff.exit_code == 0 and "0 added, 0 removed, 0 moved, 0 changed" in diff.stderr, diff.stdout
    check = cli("check", readme, db=empty_db)
    assert "badge-year" not in check.stdout and "arxiv-id" not in check.stdout


def test_explain_is_for_readmes_only(cli, empty_db, tmp_path: Path):
    bib = tmp_path / "refs.bib"
    bib.write_text("@misc{a, title={A}}\n", encoding="utf-8")
    result = cli("import", bib, "--explain", db=empty_db)
    assert result.exit_code == 2 and "--explain" in result.stderr


def test_a_column_of_counts_is_not_a_title_column():
    text = ("## Stats\n\n| Layer | Section | Papers |\n|---|---|---|\n| **P** | Platform | 10 |\n"
            "| **S** | Safety | 33 |\n")
    readme = parse_readme(text)
    assert [row.title for section in readme.sections for row in section.rows] == []


def test_a_linked_venue_in_front_of_the_title():
    row = one("## A\n\n* (ECCV [RWS 2022](https://rws.example.org/)) [💬Retrieval] **See More Persons**, "
              "Ann Smith et al. [[Paper](https://arxiv.org/abs/2208.00016)]\n")
    assert (row.title, row.venue, row.year, row.topics) == (
        "See More Persons", "ECCV RWS", 2022, ["Retrieval"])


def test_a_later_row_of_the_same_paper_fills_the_earlier_one(cli, empty_db, tmp_path: Path):
    readme = tmp_path / "README.md"
    readme.write_text("## A\n\n- **Same Paper Twice**. [[pdf](https://arxiv.org/abs/2301.00017)]\n\n## B\n\n"
                      "- **Same Paper Twice**. *Ann Smith, Bob Jones*. ICML 2023. "
                      "[[pdf](https://arxiv.org/abs/2301.00018)] [[code](https://github.com/x/same)]\n",
                      encoding="utf-8")
    assert cli("import", readme, db=empty_db).exit_code == 0
    (paper,) = json.loads(cli("export", "--json", db=empty_db).stdout)
    assert (paper["venue"], paper["year"], paper["code_url"]) == ("ICML", 2023, "https://github.com/x/same")
    assert "https://arxiv.org/abs/2301.00018" in paper["note"]
