"""What the static site shows, read from the database: every paper with its BibTeX entry and search text,
the section tree, topics, venues, the counts for its charts and the taxonomy figure."""

from __future__ import annotations

from sqlalchemy.orm import Session

from survey_db.services.statistics import SurveyStats, survey_stats


def site_data(session: Session) -> tuple[dict, SurveyStats]:
    """The data the site's script reads (compact keys, papers in table order) and the survey's counts.

    Each paper carries `s`, the folded text `query TEXT` matches word prefixes in (services.store's
    search_text), so the site's search and `survey query` select the same papers.
    """
    from survey_db import bibtex
    from survey_db.services.io import get_meta
    from survey_db.services.query import Filters, find_ids
    from survey_db.services.selection import dbapi_connection, iter_papers
    from survey_db.services.store import search_text
    from survey_db.services.taxonomy import section_tree

    nodes = section_tree(session)
    index_of = {tuple(node.path): i for i, node in enumerate(nodes)}
    parent_of = [index_of.get(tuple(node.path[:-1]), -1) for node in nodes]
    stats = survey_stats(dbapi_connection(session))
    totals = [count.total for count in stats.sections]
    topic_names = sorted({name for name, _ in stats.topics}, key=str.lower)
    topic_index = {name: i for i, name in enumerate(topic_names)}
    venue_names = sorted({name for name, _ in stats.venues if name != "(no venue)"}, key=str.lower)
    ids, _ = find_ids(session, Filters(), sort="position")
    papers = []
    for paper in iter_papers(session, ids):
        record = paper.record
        placed: set[int] = set()
        for path in paper.sections:
            at = index_of.get(tuple(path), -1)
            while at >= 0:  # the section and its ancestors, so a section selects its subtree
                placed.add(at)
                at = parent_of[at]
        item = {
            "k": record.key,
            "t": record.title,
            "a": ", ".join(name.display for name in record.authors),
            "y": record.year,
            "v": record.venue or "",
            "vf": record.venue_full or "",
            "u": record.url or "",
            "c": record.code_url or "",
            "tp": sorted(topic_index[name] for name in record.topics if name in topic_index),
            "sc": sorted(placed),
            "b": bibtex.format_bibtex([record]).strip() + "\n",
            "s": search_text(record.title, record.authors, record.venue, record.abstract),
        }
        papers.append(item)
    data = {
        "title": get_meta(session).get("title") or "Survey",
        "sections": [
            {
                "slug": node.section.slug,
                "title": node.section.title,
                "depth": node.depth,
                "parent": parent_of[i],
                "count": totals[i],
            }
            for i, node in enumerate(nodes)
        ],  # fmt: skip
        "topics": topic_names,
        "venues": venue_names,
        "papers": papers,
    }
    return data, stats
