# ruff: noqa: E501 - answers in the services' own formats keep their long lines
"""A local HTTP server on 127.0.0.1 that answers as arXiv, Crossref, doi.org, DBLP and the ACL Anthology do.

Answers are written by us in each service's documented format (arXiv's Atom feed with the `arxiv:` and
`opensearch:` namespaces; Crossref's `{"status": "ok", "message": ...}`; CSL-JSON and BibTeX by content
negotiation; DBLP's `result.hits.hit`, an object when there is one hit; the Anthology's BibTeX). Each
service lives under its own path prefix (`/arxiv/api/query`, `/crossref/works/...`, `/doi/...`, `/dblp/...`,
`/acl/...`), which the tests put in SURVEY_*_API. `script` queues special answers (429 with Retry-After, a
5xx, a malformed body, a slow answer) and `log` records every request with its time.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

# -- arXiv ----------------------------------------------------------------------------------------------------

ARXIV = {
    "2211.17192": {
        "title": "Fast Inference from Transformers via Speculative Decoding",
        "authors": ["Yaniv Leviathan", "Matan Kalman", "Yossi Matias"],
        "published": "2022-11-30T17:55:46Z",
        "summary": "Inference from large autoregressive models like Transformers is slow - decoding K\n"
        "tokens takes K serial runs of the model.",
        "category": "cs.LG",
    },
    "2401.10774": {
        "title": "Medusa: Simple LLM Inference Acceleration Framework with Multiple Decoding\n  Heads",
        "authors": ["Tianle Cai", "Yuhong Li", "Zhengyang Geng", "Hongwu Peng", "Jason D. Lee", "Deming Chen",
                    "Tri Dao"],
        "published": "2024-01-19T15:48:40Z",
        "summary": "Large Language Models employ auto-regressive decoding that requires sequential computation.",
        "category": "cs.LG",
    },
    "2203.07860": {
        "title": "Imputing Out-of-Vocabulary Embeddings with LOVE Makes Language Models Robust with Little"
        " Cost",
        "authors": ["Lihu Chen", "Gaël Varoquaux", "Fabian M. Suchanek"],
        "published": "2022-03-15T12:00:00Z",
        "summary": "State-of-the-art NLP systems represent inputs with word embeddings.",
        "category": "cs.CL",
        "doi": "10.18653/v1/2022.acl-long.245",
        "journal_ref": "ACL 2022",
    },
    "2309.04564": {
        "title": "When Less is More: Investigating Data Pruning for Pretraining LLMs at Scale",
        "authors": ["Max Marion", "Ahmet Üstün", "Luiza Pozzobon", "Alex Wang", "Marzieh Fadaee",
                    "Sara Hooker"],
        "published": "2023-09-08T19:34:05Z",
        "summary": "Large volumes of text data have contributed significantly to the development of LLMs.",
        "category": "cs.CL",
    },
    "cs/0112017": {
        "title": "Tree-based Methods for Phrase Structure Parsing",
        "authors": ["Alice Example", "Bob Sample"],
        "published": "2001-12-20T10:00:00Z",
        "summary": "An old-style arXiv identifier, for the id forms.",
        "category": "cs.CL",
    },
}  # fmt: skip

FEED_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<feed xmlns="http://www.w3.org/2005/Atom" xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
    'xmlns:arxiv="http://arxiv.org/schemas/atom">\n'
    '  <link href="http://arxiv.org/api/query?id_list={ids}" rel="self" type="application/atom+xml"/>\n'
    '  <title type="html">ArXiv Query: id_list={ids}</title>\n'
    "  <id>http://arxiv.org/api/cHxbiOdZaP56ODnBPIenZhzg5f8</id>\n"
    "  <updated>2024-05-01T00:00:00-04:00</updated>\n"
    "  <opensearch:totalResults>{total}</opensearch:totalResults>\n"
    "  <opensearch:startIndex>0</opensearch:startIndex>\n"
    "  <opensearch:itemsPerPage>{total}</opensearch:itemsPerPage>\n"
)


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def arxiv_entry(identifier: str) -> str:
    paper = ARXIV[identifier]
    authors = "".join(
        f"    <author>\n      <name>{_xml(a)}</name>\n    </author>\n" for a in paper["authors"]
    )
    extra = ""
    if paper.get("doi"):
        extra += f"    <arxiv:doi>{paper['doi']}</arxiv:doi>\n"
        extra += f'    <link title="doi" href="http://dx.doi.org/{paper["doi"]}" rel="related"/>\n'
    if paper.get("journal_ref"):
        extra += f"    <arxiv:journal_ref>{_xml(paper['journal_ref'])}</arxiv:journal_ref>\n"
    return (
        "  <entry>\n"
        f"    <id>http://arxiv.org/abs/{identifier}v2</id>\n"
        f"    <updated>{paper['published']}</updated>\n"
        f"    <published>{paper['published']}</published>\n"
        f"    <title>{_xml(paper['title'])}</title>\n"
        f"    <summary>  {_xml(paper['summary'])}\n</summary>\n"
        f"{authors}{extra}"
        f'    <link href="http://arxiv.org/abs/{identifier}v2" rel="alternate" type="text/html"/>\n'
        f'    <link title="pdf" href="http://arxiv.org/pdf/{identifier}v2" rel="related" type="application/pdf"/>\n'
        f'    <arxiv:primary_category term="{paper["category"]}" scheme="http://arxiv.org/schemas/atom"/>\n'
        f'    <category term="{paper["category"]}" scheme="http://arxiv.org/schemas/atom"/>\n'
        "  </entry>\n"
    )


def arxiv_feed(ids: list[str]) -> tuple[int, str]:
    """200 with the known entries (an unknown id has none); 400 with an Error entry for a malformed id."""
    for identifier in ids:
        if not re.fullmatch(r"\d{4}\.\d{4,5}(v\d+)?|[a-z\-]+(\.[A-Z]{2})?/\d{7}(v\d+)?", identifier):
            head = FEED_HEAD.format(ids=identifier, total=1)
            error = (
                "  <entry>\n"
                f"    <id>http://arxiv.org/api/errors#incorrect_id_format_for_{identifier}</id>\n"
                "    <title>Error</title>\n"
                f"    <summary>incorrect id format for {identifier}</summary>\n"
                "    <updated>2024-05-01T00:00:00-04:00</updated>\n"
                '    <link href="http://arxiv.org/api/errors#incorrect_id_format" rel="alternate" type="text/html"/>\n'
                "    <author>\n      <name>arXiv api core</name>\n    </author>\n"
                "  </entry>\n"
            )
            return 400, head + error + "</feed>\n"
    known = [i for i in ids if i in ARXIV]
    return 200, FEED_HEAD.format(ids=",".join(ids), total=len(known)) + "".join(
        map(arxiv_entry, known)
    ) + "</feed>\n"


# -- Crossref and doi.org -------------------------------------------------------------------------------------

CROSSREF = {
    "10.18653/v1/2022.acl-long.245": {
        "DOI": "10.18653/v1/2022.acl-long.245",
        "type": "proceedings-article",
        "title": ["Imputing Out-of-Vocabulary Embeddings with LOVE Makes LanguageModels Robust with Little Cost"],
        "author": [
            {"given": "Lihu", "family": "Chen", "sequence": "first", "affiliation": []},
            {"given": "Gael", "family": "Varoquaux", "sequence": "additional", "affiliation": []},
            {"given": "Fabian", "family": "Suchanek", "sequence": "additional", "affiliation": []},
        ],
        "container-title": ["Proceedings of the 60th Annual Meeting of the Association for Computational "
                            "Linguistics (Volume 1: Long Papers)"],
        "event": {"name": "Proceedings of the 60th Annual Meeting of the Association for Computational "
                  "Linguistics (Volume 1: Long Papers)", "location": "Dublin, Ireland"},
        "published-print": {"date-parts": [[2022]]},
        "published": {"date-parts": [[2022]]},
        "issued": {"date-parts": [[2022]]},
        "page": "3488-3504",
        "publisher": "Association for Computational Linguistics",
        "URL": "http://dx.doi.org/10.18653/v1/2022.acl-long.245",
        "abstract": "<jats:p>State-of-the-art NLP systems represent inputs with word embeddings.</jats:p>",
    },
    "10.1145/3620666.3651335": {
        "DOI": "10.1145/3620666.3651335",
        "type": "proceedings-article",
        "title": ["SpecInfer: Accelerating Large Language Model Serving with Tree-based Speculative Inference "
                  "and Verification"],
        "author": [{"given": "Xupeng", "family": "Miao", "sequence": "first", "affiliation": []}],
        "container-title": ["Proceedings of the 29th ACM International Conference on Architectural Support for "
                            "Programming Languages and Operating Systems, Volume 3"],
        "short-container-title": [],
        "published": {"date-parts": [[2024, 4, 27]]},
        "issued": {"date-parts": [[2024, 4, 27]]},
        "page": "932-949",
        "publisher": "ACM",
    },
}  # fmt: skip

CROSSREF_NOT_FOUND = "Resource not found."

# DataCite DOIs: not at Crossref; doi.org answers by content negotiation.
DATACITE = {
    "10.5281/zenodo.1234567": {
        "csl": {
            "type": "dataset", "id": "https://doi.org/10.5281/zenodo.1234567", "DOI": "10.5281/zenodo.1234567",
            "URL": "https://zenodo.org/record/1234567", "title": "A Benchmark of Routing Decisions",
            "author": [{"family": "Hari", "given": "Surya Narayanan"}, {"family": "Thomson", "given": "Matt"}],
            "issued": {"date-parts": [[2023, 8, 22]]}, "publisher": "Zenodo",
        },
        "bibtex": "@misc{https://doi.org/10.5281/zenodo.1234567,\n  doi = {10.5281/ZENODO.1234567},\n"
        "  url = {https://zenodo.org/record/1234567},\n  author = {Hari, Surya Narayanan and Thomson, Matt},\n"
        "  title = {A Benchmark of Routing Decisions},\n  publisher = {Zenodo},\n  year = {2023}\n}",
    },
}  # fmt: skip

# -- DBLP -----------------------------------------------------------------------------------------------------

DBLP_BIB = {
    "conf/icml/LeviathanKM23": """@inproceedings{DBLP:conf/icml/LeviathanKM23,
  author       = {Yaniv Leviathan and
                  Matan Kalman and
                  Yossi Matias},
  editor       = {Andreas Krause and
                  Emma Brunskill},
  title        = {Fast Inference from Transformers via Speculative Decoding},
  booktitle    = {International Conference on Machine Learning, {ICML} 2023, 23-29 July
                  2023, Honolulu, Hawaii, {USA}},
  series       = {Proceedings of Machine Learning Research},
  volume       = {202},
  pages        = {19274--19286},
  publisher    = {{PMLR}},
  year         = {2023},
  url          = {https://proceedings.mlr.press/v202/leviathan23a.html},
  timestamp    = {Mon, 28 Aug 2023 17:23:04 +0200},
  biburl       = {https://dblp.org/rec/conf/icml/LeviathanKM23.bib},
  bibsource    = {dblp computer science bibliography, https://dblp.org}
}
""",
    "journals/corr/abs-2211-17192": """@article{DBLP:journals/corr/abs-2211-17192,
  author       = {Yaniv Leviathan and
                  Matan Kalman and
                  Yossi Matias},
  title        = {Fast Inference from Transformers via Speculative Decoding},
  journal      = {CoRR},
  volume       = {abs/2211.17192},
  year         = {2022},
  url          = {https://doi.org/10.48550/arXiv.2211.17192},
  doi          = {10.48550/ARXIV.2211.17192},
  eprinttype    = {arXiv},
  eprint       = {2211.17192},
  timestamp    = {Tue, 06 Dec 2022 12:36:12 +0100},
  biburl       = {https://dblp.org/rec/journals/corr/abs-2211-17192.bib},
  bibsource    = {dblp computer science bibliography, https://dblp.org}
}
""",
    "conf/icml/CaiLGPLCD24": """@inproceedings{DBLP:conf/icml/CaiLGPLCD24,
  author       = {Tianle Cai and
                  Yuhong Li and
                  Zhengyang Geng and
                  Hongwu Peng and
                  Jason D. Lee and
                  Deming Chen and
                  Tri Dao},
  title        = {Medusa: Simple {LLM} Inference Acceleration Framework with Multiple
                  Decoding Heads},
  booktitle    = {Forty-first International Conference on Machine Learning, {ICML} 2024,
                  Vienna, Austria, July 21-27, 2024},
  publisher    = {OpenReview.net},
  year         = {2024},
  url          = {https://openreview.net/forum?id=PEpbUobfJv},
  timestamp    = {Mon, 02 Sep 2024 16:45:28 +0200},
  biburl       = {https://dblp.org/rec/conf/icml/CaiLGPLCD24.bib},
  bibsource    = {dblp computer science bibliography, https://dblp.org}
}
""",
}


def dblp_info(key: str, title: str, authors: list[str], venue: str, year: int, kind: str, **more) -> dict:
    author_list = [{"@pid": f"{i}/{i}", "text": a} for i, a in enumerate(authors)]
    info = {
        # One author comes as an object, several as a list.
        "authors": {"author": author_list[0] if len(author_list) == 1 else author_list},
        "title": title + ".", "venue": venue, "year": str(year), "type": kind, "access": "open",
        "key": key, "ee": f"https://example.org/{key}", "url": f"https://dblp.org/rec/{key}",
    }  # fmt: skip
    info.update(more)
    return info


CONFERENCE = "Conference and Workshop Papers"
INFORMAL = "Informal and Other Publications"
DBLP_SEARCH = {
    "fast inference from transformers via speculative decoding": [
        dblp_info("journals/corr/abs-2211-17192", "Fast Inference from Transformers via Speculative Decoding",
                  ["Yaniv Leviathan", "Matan Kalman", "Yossi Matias"], "CoRR", 2022, INFORMAL),
        dblp_info("conf/icml/LeviathanKM23", "Fast Inference from Transformers via Speculative Decoding",
                  ["Yaniv Leviathan", "Matan Kalman", "Yossi Matias"], "ICML", 2023, CONFERENCE,
                  pages="19274-19286"),
    ],
    "medusa simple llm inference acceleration framework with multiple decoding heads": [
        dblp_info("conf/icml/CaiLGPLCD24", "Medusa: Simple LLM Inference Acceleration Framework with Multiple "
                  "Decoding Heads", ["Tianle Cai", "Yuhong Li", "Tri Dao"], "ICML", 2024, CONFERENCE),
    ],
    "when less is more investigating data pruning for pretraining llms at scale": [
        dblp_info("journals/corr/abs-2309-04564", "When Less is More: Investigating Data Pruning for Pretraining "
                  "LLMs at Scale", ["Max Marion", "Sara Hooker"], "CoRR", 2023, INFORMAL),
    ],
}  # fmt: skip


def dblp_search_answer(query: str) -> str:
    hits = DBLP_SEARCH.get(" ".join(query.lower().split()), [])
    listed = [{"@score": "9", "@id": str(i), "info": info, "url": f"URL#{i}"} for i, info in enumerate(hits)]
    body: dict = {
        "@total": str(len(hits)),
        "@computed": str(len(hits)),
        "@sent": str(len(hits)),
        "@first": "0",
    }
    if listed:
        body["hit"] = listed[0] if len(listed) == 1 else listed  # one hit: an object
    return json.dumps({"result": {"query": query, "status": {"@code": "200", "text": "OK"},
                                  "time": {"@unit": "msecs", "text": "1.23"}, "completions": {}, "hits": body}})  # fmt: skip


# -- ACL Anthology --------------------------------------------------------------------------------------------

ACL_BIB = {
    "2022.acl-long.245": """@inproceedings{chen-etal-2022-imputing,
    title = "Imputing Out-of-Vocabulary Embeddings with {LOVE} Makes {L}anguage{M}odels Robust with Little Cost",
    author = "Chen, Lihu  and
      Varoquaux, Gael  and
      Suchanek, Fabian",
    editor = "Muresan, Smaranda  and
      Nakov, Preslav  and
      Villavicencio, Aline",
    booktitle = "Proceedings of the 60th Annual Meeting of the Association for Computational Linguistics (Volume 1: Long Papers)",
    month = may,
    year = "2022",
    address = "Dublin, Ireland",
    publisher = "Association for Computational Linguistics",
    url = "https://aclanthology.org/2022.acl-long.245",
    doi = "10.18653/v1/2022.acl-long.245",
    pages = "3488--3504",
    abstract = "State-of-the-art NLP systems represent inputs with word embeddings.",
}
""",
}


# -- the server -----------------------------------------------------------------------------------------------


@dataclass
class Scripted:
    """A special answer for the next request to a path prefix."""

    status: int = 200
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering (a slow service)


@dataclass
class Request:
    time: float
    service: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]


class FakeServices:
    def __init__(self):
        self.log: list[Request] = []
        self.script: dict[str, list[Scripted]] = {}
        self.lock = threading.Lock()
        handler = self._handler()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.running = True

    def env(self) -> dict[str, str]:
        return {
            "SURVEY_ARXIV_API": f"{self.base}/arxiv/api/query",
            "SURVEY_CROSSREF_API": f"{self.base}/crossref",
            "SURVEY_DOI_API": f"{self.base}/doi",
            "SURVEY_DBLP_API": f"{self.base}/dblp",
            "SURVEY_ACL_API": f"{self.base}/acl",
        }

    def queue(self, service: str, *answers: Scripted) -> None:
        with self.lock:
            self.script.setdefault(service, []).extend(answers)

    def requests(self, service: str | None = None) -> list[Request]:
        return [r for r in self.log if service is None or r.service == service]

    def stop(self) -> None:
        if self.running:
            self.server.shutdown()
            self.server.server_close()
            self.running = False

    def answer(
        self, service: str, rest: str, query: dict[str, list[str]], accept: str
    ) -> tuple[int, str, str]:
        if service == "arxiv":
            ids = [i for i in (query.get("id_list") or [""])[0].split(",") if i]
            status, body = arxiv_feed(ids)
            return status, body, "application/atom+xml; charset=utf-8"
        if service == "crossref":
            doi = unquote(rest.removeprefix("/works/")).lower()
            if doi in CROSSREF:
                message = {"indexed": {"date-parts": [[2024, 5, 1]]}, **CROSSREF[doi]}
                body = json.dumps({"status": "ok", "message-type": "work", "message-version": "1.0.0",
                                   "message": message})  # fmt: skip
                return 200, body, "application/json"
            return 404, CROSSREF_NOT_FOUND, "text/plain"
        if service == "doi":
            doi = unquote(rest.lstrip("/")).lower()
            if doi in DATACITE:
                if "citationstyles.csl+json" in accept:
                    return 200, json.dumps(DATACITE[doi]["csl"]), "application/vnd.citationstyles.csl+json"
                return 200, DATACITE[doi]["bibtex"], "application/x-bibtex"
            if doi in CROSSREF:
                item = CROSSREF[doi]
                csl = {"type": "paper-conference", "DOI": doi, "title": item["title"][0],
                       "author": [{"given": a["given"], "family": a["family"]} for a in item["author"]],
                       "issued": item["issued"] if "issued" in item else item["published"]}  # fmt: skip
                return 200, json.dumps(csl), "application/vnd.citationstyles.csl+json"
            return 404, "DOI Not Found", "text/html"
        if service == "dblp":
            if rest == "/search/publ/api":
                return 200, dblp_search_answer((query.get("q") or [""])[0]), "application/json"
            key = rest.removeprefix("/rec/").removesuffix(".bib")
            if rest.endswith(".bib") and key in DBLP_BIB:
                return 200, DBLP_BIB[key], "application/x-bibtex; charset=utf-8"
            return 404, "<html>Error 404: not found</html>", "text/html"
        if service == "acl":
            anthology_id = rest.strip("/").removesuffix(".bib")
            if rest.endswith(".bib") and anthology_id in ACL_BIB:
                return 200, ACL_BIB[anthology_id], "application/x-bibtex"
            return 404, "<html>Page not found</html>", "text/html"
        return 404, "no such service", "text/plain"

    def _handler(self):
        services = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                service, _, rest = parts.path.lstrip("/").partition("/")
                rest = "/" + rest
                if service == "arxiv":
                    rest = rest.removeprefix("/api/query")
                query = parse_qs(parts.query)
                with services.lock:
                    services.log.append(Request(time.time(), service, rest, query, dict(self.headers)))
                    queued = services.script.get(service)
                    scripted = queued.pop(0) if queued else None
                if scripted is not None:
                    if scripted.delay:
                        time.sleep(scripted.delay)
                    status, body, kind = scripted.status, scripted.body, "text/plain"
                    if scripted.status == 200 and not scripted.body:
                        status, body, kind = services.answer(
                            service, rest, query, self.headers.get("Accept", "")
                        )
                    headers = scripted.headers
                else:
                    status, body, kind = services.answer(service, rest, query, self.headers.get("Accept", ""))
                    headers = {}
                data = body.encode("utf-8")
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", headers.get("Content-Type", kind))
                    self.send_header("Content-Length", str(len(data)))
                    for name, value in headers.items():
                        if name != "Content-Type":
                            self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        return Handler
