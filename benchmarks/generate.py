"""A realistic synthetic collection of N papers, as a .bib file and as seed files.

The collection looks like a large survey bibliography merged from venue dumps: 1-20 authors per paper drawn
from about N/5 people (a few prolific, most with one or two papers), about 40 venues (conferences, journals,
workshops and arXiv preprints), years skewed to the recent past, a long tail of topics, a three-level section
tree, 500-character abstracts, LaTeX accents in 10% of the entries, `@string` macros in 5%, a few
crossref'd proceedings, and a few duplicates (a preprint and its published version under two keys).

    python benchmarks/generate.py 10000 /tmp/bench10k

Real files often have more of what costs an importer time: options make them so (the defaults give the
collection above, unchanged). `--accented 1` puts an accented name (and an accented title word) in every
entry, `--utf8 0.5` writes half of the accented names as raw UTF-8 instead of LaTeX (`{\"u}`, `{\'e}`), and
`--long-authors 0.1` gives 10% of the entries a long author list (20-150 people, as consortium papers have):

    python benchmarks/generate.py 20000 /tmp/bench20k --accented 1 --utf8 0.5 --long-authors 0.1

writes /tmp/bench10k/collection.bib (the file a user imports: LaTeX accents, macros, "First Last" and
"Last, First" names, DBLP-style) and /tmp/bench10k/seeds/{papers.bib,taxonomy.toml} (the same collection
as `survey dump` writes it). `Collection.queries` names filters that select few papers at every size.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "src") not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(ROOT / "src"))

from survey_db.records import Name, PaperRecord  # noqa: E402

# --------------------------------------------------------------------------------------------- vocabulary

FIRST = (
    "Alice Bob Carla David Elena Farid Grace Hiro Ines Jamal Kara Liam Mei Nadia Omar Priya Quentin Rosa "
    "Samir Tara Umar Vera Wei Xin Yara Zoe Adrian Bianca Chen Diego Emma Felix Gita Hana Ivan Julia Kenji "
    "Lena Marco Nina Oscar Paula Ravi Sofia Tomas Uma Victor Wen Yusuf Zhang Anil Beatriz Cyrus Dana Emil "
    "Fatima Gabriel Helga Isaac Jin Kofi Laila Mateo Noor Olga Pedro Rania Sven Tanvi Ugo Valeria Yuki"
).split()
LAST = (
    "Smith Chen Wang Li Zhang Liu Kumar Singh Garcia Martinez Brown Jones Miller Davis Wilson Anderson "
    "Taylor Thomas Moore Jackson Lee Harris Clark Lewis Walker Hall Young King Wright Scott Green Baker "
    "Adams Nelson Hill Campbell Mitchell Roberts Carter Phillips Evans Turner Torres Parker Collins Edwards "
    "Stewart Morris Murphy Cook Rogers Morgan Cooper Peterson Reed Bailey Bell Kelly Howard Ward Cox Diaz "
    "Richardson Wood Watson Brooks Bennett Gray James Reyes Cruz Hughes Price Myers Long Foster Sanders Ross "
    "Morales Powell Sullivan Russell Ortiz Jenkins Gutierrez Perry Butler Barnes Fisher Henderson Coleman "
    "Simmons Patterson Jordan Reynolds Hamilton Graham Kim Gonzales Alexander Ramos Wallace Griffin West "
    "Cole Hayes Chavez Gibson Bryant Ellis Stevens Murray Ford Marshall Owens McDonald Harrison Ruiz Kennedy "
    "Wells Alvarez Woods Mendoza Castillo Olson Webb Washington Tucker Freeman Burns Henry Vasquez Snyder "
    "Simpson Crawford Jimenez Porter Mason Shaw Gordon Wagner Hunter Romero Hicks Dixon Hunt Palmer "
    "Robertson "
    "Black Holmes Stone Meyer Boyd Mills Warren Fox Rose Rice Moreno Schmidt Patel Ferguson Nichols Herrera "
    "Medina Ryan Fernandez Weaver Daniels Stephens Gardner Payne Kelley Dunn Pierce Arnold Tran Spencer "
    "Peters Hawkins Grant Hansen Castro Hoffman Hart Elliott Cunningham Knight Bradley Tanaka Sato Suzuki "
    "Nakamura Yamamoto Kobayashi Park Choi Jung Kang Cho Yoon Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo Lin"
).split()
# (LaTeX as a .bib file writes it, the Unicode a reader sees)
ACCENTED_FIRST = [
    (r"Jos{\'e}", "José"),
    (r"Fran{\c{c}}ois", "François"),
    (r"J{\"u}rgen", "Jürgen"),
    (r"Ren{\'e}e", "Renée"),
    (r"{\O}ystein", "Øystein"),
    (r"Bj{\"o}rn", "Björn"),
    (r"Ana{\"\i}s", "Anaïs"),
    (r"Jes{\'u}s", "Jesús"),
    (r"Zo{\"e}", "Zoë"),
    (r"Ji{\v{r}}{\'\i}", "Jiří"),
]
ACCENTED_LAST = [
    (r"M{\"u}ller", "Müller"),
    (r"G{\'o}mez", "Gómez"),
    (r"Dvo{\v{r}}{\'a}k", "Dvořák"),
    (r"Sch{\"o}lkopf", "Schölkopf"),
    (r"Erd{\H{o}}s", "Erdős"),
    (r"Ng{\^o}", "Ngô"),
    (r"Lema{\^\i}tre", "Lemaître"),
    (r"Gon{\c{c}}alves", "Gonçalves"),
    (r"{\AA}str{\"o}m", "Åström"),
    (r"Pe{\~n}a", "Peña"),
    (r"{\v{S}}imon", "Šimon"),
    (r"Wei{\ss}", "Weiß"),
]
VON = [("van der", "Berg"), ("de la", "Cruz"), ("von", "Neumann"), ("van", "Dijk"), ("di", "Stefano")]
ACCENTED_WORDS = [
    (r"Na{\"\i}ve", "Naïve"),
    (r"R{\'e}sum{\'e}s", "Résumés"),
    (r"Schr{\"o}dinger", "Schrödinger"),
    (r"Poincar{\'e}", "Poincaré"),
    (r"G{\"o}del", "Gödel"),
    (r"{\"U}ber", "Über"),
    (r"Caf{\'e}", "Café"),
    (r"Fa{\c{c}}ade", "Façade"),
    (r"Cr{\`e}me", "Crème"),
    (r"Se{\~n}or", "Señor"),
]
ML_WORDS = (
    "language model models large small learning neural network networks transformer transformers attention "
    "efficient scalable robust adaptive sparse dense retrieval generation reasoning inference training "
    "distillation knowledge compression quantization pruning decoding speculative alignment preference "
    "reward policy reinforcement graph contrastive representation embedding embeddings multilingual "
    "multimodal vision speech translation summarization question answering dialogue agents planning tool "
    "benchmark evaluation dataset data selection curation filtering augmentation synthetic instruction "
    "tuning fine-tuning prompting chain thought calibration uncertainty hallucination factuality safety "
    "privacy federated continual memory long context window mixture experts routing cascade cascading "
    "ensemble proxy weak strong supervision self consistency verification search sampling latent diffusion"
).split()
SYLLABLES = (
    "ka lo mi ne ru sa te vi zo ba ce di fo gu ha ji ko lu ma no pe qui ra si to un ve wo xa yo ze".split()
)
CONNECTORS = "for with via of in on and from to the a under beyond towards".split()
ACRONYMS = ["BERT", "GPT-4", "LLaMA", "T5", "RoBERTa", "CLIP", "LoRA", "RAG", "MoE", "RLHF", "DPO", "ViT"]

# short name, full name, entry type, kind, a macro name for @string (the journal or proceedings title)
VENUES = [
    ("NeurIPS", "Advances in Neural Information Processing Systems", "inproceedings", "nips"),
    ("ICML", "Proceedings of the International Conference on Machine Learning", "inproceedings", "icml"),
    ("ICLR", "International Conference on Learning Representations", "inproceedings", "iclr"),
    (
        "ACL",
        "Proceedings of the Annual Meeting of the Association for Computational Linguistics",
        "inproceedings",
        "acl",
    ),
    (
        "EMNLP",
        "Proceedings of the Conference on Empirical Methods in Natural Language Processing",
        "inproceedings",
        "emnlp",
    ),
    (
        "NAACL",
        "Proceedings of the Conference of the North American Chapter of the Association for "
        "Computational Linguistics",
        "inproceedings",
        "naacl",
    ),
    (
        "EACL",
        "Proceedings of the Conference of the European Chapter of the Association for Computational "
        "Linguistics",
        "inproceedings",
        "eacl",
    ),
    (
        "COLING",
        "Proceedings of the International Conference on Computational Linguistics",
        "inproceedings",
        "coling",
    ),
    ("AAAI", "Proceedings of the AAAI Conference on Artificial Intelligence", "inproceedings", "aaai"),
    (
        "IJCAI",
        "Proceedings of the International Joint Conference on Artificial Intelligence",
        "inproceedings",
        "ijcai",
    ),
    (
        "KDD",
        "Proceedings of the ACM SIGKDD Conference on Knowledge Discovery and Data Mining",
        "inproceedings",
        "kdd",
    ),
    (
        "WSDM",
        "Proceedings of the ACM International Conference on Web Search and Data Mining",
        "inproceedings",
        "wsdm",
    ),
    (
        "CVPR",
        "Proceedings of the IEEE Conference on Computer Vision and Pattern Recognition",
        "inproceedings",
        "cvpr",
    ),
    ("COLM", "Conference on Language Modeling", "inproceedings", "colm"),
    (
        "SIGIR",
        "Proceedings of the International ACM SIGIR Conference on Research and Development in "
        "Information Retrieval",
        "inproceedings",
        "sigir",
    ),
    (
        "UAI",
        "Proceedings of the Conference on Uncertainty in Artificial Intelligence",
        "inproceedings",
        "uai",
    ),
    (
        "AISTATS",
        "Proceedings of the International Conference on Artificial Intelligence and Statistics",
        "inproceedings",
        "aistats",
    ),
    ("ECCV", "Proceedings of the European Conference on Computer Vision", "inproceedings", "eccv"),
    ("ICCV", "Proceedings of the IEEE International Conference on Computer Vision", "inproceedings", "iccv"),
    (
        "Interspeech",
        "Proceedings of the Annual Conference of the International Speech Communication Association",
        "inproceedings",
        "interspeech",
    ),
    (
        "BlackboxNLP",
        "Proceedings of the Workshop on Analyzing and Interpreting Neural Networks for NLP",
        "inproceedings",
        "blackbox",
    ),
    ("RepL4NLP", "Proceedings of the Workshop on Representation Learning for NLP", "inproceedings", "repl"),
    ("TMLR", "Transactions on Machine Learning Research", "article", "tmlr"),
    ("JMLR", "Journal of Machine Learning Research", "article", "jmlr"),
    ("TACL", "Transactions of the Association for Computational Linguistics", "article", "tacl"),
    ("TPAMI", "IEEE Transactions on Pattern Analysis and Machine Intelligence", "article", "tpami"),
    ("AIJ", "Artificial Intelligence", "article", "aij"),
    ("Neural Networks", "Neural Networks", "article", "nn"),
    ("CL", "Computational Linguistics", "article", "cl"),
    ("Nature MI", "Nature Machine Intelligence", "article", "natmi"),
    ("JAIR", "Journal of Artificial Intelligence Research", "article", "jair"),
    ("Neurocomputing", "Neurocomputing", "article", "neucom"),
]
MONTH_MACROS = "jan feb mar apr may jun jul aug sep oct nov dec".split()
SECTION_WORDS = (
    "Collaboration Competition Compression Adaptation Evaluation Retrieval Generation Reasoning Efficiency "
    "Alignment Safety Data Architecture Training Inference Deployment Analysis Applications Theory Agents"
).split()


@dataclass
class Person:
    latex_first: str
    latex_last: str
    latex_von: str
    name: Name
    accented: bool


@dataclass
class Entry:
    """One generated paper: its record (Unicode, as stored) and how the .bib file spells it."""

    record: PaperRecord
    latex_title: str
    latex_authors: list[Person]
    macro: str | None = None  # the @string name its venue is written with
    month: str | None = None
    crossref: str | None = None


@dataclass
class Collection:
    entries: list[Entry]
    # (section path, paper keys in table order)
    sections: list[tuple[list[str], list[str]]]
    proceedings: list[tuple[str, str, str, int]]  # key, title, macro, year: crossref parents
    queries: dict[str, list[str]] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------- generating


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))


def _vocabulary(rng: random.Random, size: int = 4000) -> list[str]:
    words = set(ML_WORDS)
    while len(words) < size:
        words.add(_word(rng))
    ordered = sorted(words)
    rng.shuffle(ordered)
    return ordered


def _zipf_index(rng: random.Random, n: int, s: float = 1.1) -> int:
    """An index in [0, n) with a long tail: low indexes are much more frequent."""
    # Inverse transform of a continuous power law; good enough for a benchmark.
    u = rng.random()
    x = (1 - u * (1 - (n + 1) ** (1 - s))) ** (1 / (1 - s))
    return min(int(x) - 1, n - 1) if x >= 1 else 0


def _people(rng: random.Random, count: int, accented_share: float = 0.1) -> list[Person]:
    people: list[Person] = []
    seen: set[tuple[str, str, str]] = set()
    # With accents in more entries there are more accented people (the default keeps the original count).
    n_accented = max(5, count // 20 if accented_share <= 0.1 else int(count * accented_share / 2))
    n_von = max(2, count // 100)
    attempts = 0
    while len(people) < count and attempts < count * 50:
        attempts += 1
        index = len(people)
        if index < n_accented:
            if rng.random() < 0.5:
                lf, uf = rng.choice(ACCENTED_FIRST)
                ll = ul = rng.choice(LAST)
            else:
                lf, uf = rng.choice(ACCENTED_FIRST + [(f, f) for f in FIRST])
                ll, ul = rng.choice(ACCENTED_LAST)
            if rng.random() < 0.7:
                initial = rng.choice("ABCDEFGHJKLMNPRSTW") + "."
                lf, uf = f"{lf} {initial}", f"{uf} {initial}"
            von = ""
            ident = (uf, ul, "")
        elif index < n_accented + n_von:
            lf = uf = rng.choice(FIRST)
            von, ll = rng.choice(VON)
            ul = ll
            ident = (uf, ul, von)
        else:
            lf = uf = rng.choice(FIRST)
            if rng.random() < 0.5:  # a middle initial makes many more distinct people
                initial = rng.choice("ABCDEFGHJKLMNPRSTW") + "."
                lf = uf = f"{uf} {initial}"
            ll = ul = rng.choice(LAST)
            if rng.random() < 0.6:
                ll = ul = ul + rng.choice(["", "son", "er", "ski", "ova", "ez", "ini", "berg"])
            von = ""
            ident = (uf, ul, "")
        if ident in seen:
            continue
        seen.add(ident)
        people.append(Person(lf, ll, von, Name(first=uf, last=ul, von=von), accented=index < n_accented))
    return people


def _title(rng: random.Random, vocab: list[str], accented: bool) -> tuple[str, str]:
    words: list[str] = []
    latex: list[str] = []
    if rng.random() < 0.3:
        acronym = rng.choice(ACRONYMS) + rng.choice(["", "-" + _word(rng).capitalize()])
        words.append(acronym + ":")
        latex.append("{" + acronym + "}:")
    for i in range(rng.randint(5, 11)):
        if i and rng.random() < 0.25:
            w = rng.choice(CONNECTORS)
        else:
            w = vocab[_zipf_index(rng, len(vocab), 0.85)]
            w = w[0].upper() + w[1:]
        words.append(w)
        latex.append(w)
    if accented:
        lw, uw = rng.choice(ACCENTED_WORDS)
        at = rng.randint(1, len(words))
        words.insert(at, uw)
        latex.insert(at, lw)
    if rng.random() < 0.05:
        words.append("& Beyond")
        latex.append(r"\& Beyond")
    return " ".join(words), " ".join(latex)


def _abstract(rng: random.Random, vocab: list[str], length: int = 500) -> str:
    parts: list[str] = []
    size = 0
    while size < length:
        sentence = [vocab[_zipf_index(rng, len(vocab), 0.9)] for _ in range(rng.randint(8, 16))]
        text = " ".join(sentence)
        text = text[0].upper() + text[1:] + "."
        parts.append(text)
        size += len(text) + 1
    return " ".join(parts)[:length].rstrip() + "."


def _is_accented(index: int, share: float) -> bool:
    """Whether entry `index` has an accented name, for `share` of the entries spread evenly (0.1: the
    entries 3, 13, 23...)."""
    return int((index + 7) * share) != int((index + 6) * share)


def _long_list_size(rng: random.Random) -> int:
    """The length of a long author list: 20-150 people, shorter ones more frequent."""
    return min(150, 20 + int(rng.expovariate(1 / 30)))


def generate(n: int, seed: int = 1, *, accented_share: float = 0.1, long_authors: float = 0.0) -> Collection:
    """N papers (including a few crossref'd proceedings children and duplicates) and their taxonomy.

    `accented_share` of the entries have an accented author and title word; `long_authors` of them a long
    author list (drawn from a random stream of its own, so that 0 gives the original collection).
    """
    rng = random.Random(seed)
    lengths = random.Random(seed + 7919)
    vocab = _vocabulary(rng)
    people = _people(rng, max(50, n // 5), accented_share)
    accented_people = [p for p in people if p.accented]
    plain_people = [p for p in people if not p.accented]
    n_topics = max(30, n // 300)
    topics: list[str] = []
    seen_topics: set[str] = set()
    while len(topics) < n_topics:
        name = " ".join(
            w[0].upper() + w[1:] for w in (rng.choice(ML_WORDS), _word(rng) + rng.choice(SYLLABLES))
        )
        if name.lower() not in seen_topics:
            seen_topics.add(name.lower())
            topics.append(name)
    proceedings: list[tuple[str, str, str, int]] = []
    keys: set[str] = set()
    entries: list[Entry] = []
    years = list(range(1995, 2026))
    year_weights = [1.0 + (y - 1995) ** 2 / 40 for y in years]
    for index in range(n):
        accented = _is_accented(index, accented_share)  # 0.1: exactly 10% of the entries
        with_macro = index % 20 == 7  # exactly 5%
        title, latex_title = _title(rng, vocab, accented)
        count = min(20, max(1, int(rng.expovariate(1 / 3.5)) + 1))
        if long_authors and lengths.random() < long_authors:
            count = min(len(plain_people) // 2, _long_list_size(lengths))
        pool = plain_people
        authors: list[Person] = []
        if accented:
            authors.append(rng.choice(accented_people))
        while len(authors) < count:
            person = pool[_zipf_index(rng, len(pool), 0.7)]
            if person not in authors:
                authors.append(person)
        rng.shuffle(authors)
        year = rng.choices(years, year_weights)[0]
        stem = "".join(ch for ch in authors[0].name.last.lower() if ch.isascii() and ch.isalpha()) or "anon"
        first_word = next(
            (w.lower() for w in title.split() if w.isascii() and w.isalpha() and w.lower() not in CONNECTORS),
            "paper",
        )
        key = f"{stem}{year}{first_word}"
        suffix = 0
        while key in keys:
            suffix += 1
            key = f"{stem}{year}{first_word}{suffix}"
        keys.add(key)
        record = PaperRecord(title=title, key=key, authors=[p.name for p in authors], year=year)
        kind = rng.random()
        macro = None
        if kind < 0.3 and not with_macro:
            record.entry_type = "misc"
            record.venue = "arXiv"
            record.arxiv_id = f"{year % 100:02d}{rng.randint(1, 12):02d}.{index:05d}"
            record.extra["primaryclass"] = rng.choice(["cs.CL", "cs.LG", "cs.AI", "stat.ML", "cs.CV"])
            record.url = f"https://arxiv.org/abs/{record.arxiv_id}"
        else:
            short, full, entry_type, macro_name = VENUES[_zipf_index(rng, len(VENUES), 0.8)]
            record.entry_type = entry_type
            record.venue = short
            record.venue_full = full
            macro = macro_name if with_macro else None
            record.pages = f"{(start := rng.randint(1, 9000))}\u2013{start + rng.randint(5, 20)}"
            if rng.random() < 0.6:
                record.doi = f"10.{rng.randint(1000, 9999)}/bench.{index}"
                record.url = f"https://doi.org/{record.doi}"
            else:
                record.url = f"https://papers.example.org/{year}/{key}.html"
        if rng.random() < 0.3:
            record.code_url = f"https://github.com/{stem}/{first_word}-{index}"
        record.abstract = _abstract(rng, vocab)
        picked = []
        for _ in range(rng.choice([1, 1, 2, 2, 3])):
            topic = topics[_zipf_index(rng, len(topics), 0.9)]
            if topic not in picked:
                picked.append(topic)
        record.topics = picked
        entry = Entry(record, latex_title, authors, macro=macro)
        if rng.random() < 0.2:
            entry.month = rng.choice(MONTH_MACROS)
            record.extra["month"] = {m: full for m, full in zip(MONTH_MACROS, _MONTH_NAMES, strict=True)}[
                entry.month
            ]
            record.raw["month"] = entry.month
        entries.append(entry)
    # A few papers share a crossref'd parent volume (DBLP style): the parent comes after its children.
    n_parents = max(1, n // 2000)
    for p in range(n_parents):
        short, full, _, macro_name = VENUES[p % 22]
        year = 2015 + p % 10
        parent_key = f"DBLP:conf/{short.lower()}/{year}-{p}"
        proceedings.append((parent_key, full, macro_name, year))
        for entry in rng.sample(entries, 5):
            if entry.record.entry_type == "inproceedings" and entry.crossref is None and entry.macro is None:
                entry.crossref = parent_key
                entry.record.venue, entry.record.venue_full = short, full
                entry.record.year = year
    # Duplicates: a published paper and its preprint under two keys, with the same title (0.3%).
    for i in range(max(1, n // 300)):
        original, twin = entries[(i * 7919) % n], entries[(i * 7919 + 4999) % n]
        if original is not twin:
            twin.record.title, twin.latex_title = original.record.title, original.latex_title
    sections = _sections(rng, n, entries)
    collection = Collection(entries, sections, proceedings)
    collection.queries = _queries(collection, topics)
    return collection


_MONTH_NAMES = "January February March April May June July August September October November December".split()


def _sections(rng: random.Random, n: int, entries: list[Entry]) -> list[tuple[list[str], list[str]]]:
    """A three-level tree (8 top sections x 5 x leaves); 90% of papers placed once, 5% twice, 5% unplaced."""
    leaves_per_mid = max(1, round(n / 4000))
    tops = rng.sample(SECTION_WORDS, 8)
    tree: list[tuple[list[str], list[str]]] = []
    leaves: list[list[str]] = []
    for t, top in enumerate(tops):
        tree.append(([top], []))
        for m in range(5):
            mid = f"{top} {'ABCDE'[m]}: {rng.choice(ML_WORDS).capitalize()} {rng.choice(ML_WORDS)}"
            tree.append(([top, mid], []))
            for leaf in range(leaves_per_mid):
                path = [top, mid, f"Group {t + 1}.{m + 1}.{leaf + 1}"]
                tree.append((path, []))
                leaves.append(path)
    by_path = {tuple(path): papers for path, papers in tree}
    for i, entry in enumerate(entries):
        if i % 20 == 19:
            continue  # unplaced
        by_path[tuple(leaves[rng.randrange(len(leaves))])].append(entry.record.key)  # type: ignore[arg-type]
        if i % 20 == 11:
            other = by_path[tuple(leaves[rng.randrange(len(leaves))])]
            if entry.record.key not in other:
                other.append(entry.record.key)  # type: ignore[arg-type]
    return tree


def _early_years(entries: list[Entry]) -> str:
    """The earliest years that hold about 0.5% of the papers, as a range ('1995..1998')."""
    years = sorted(e.record.year for e in entries if e.record.year)
    wanted = max(1, len(years) // 200)
    return f"{years[0]}..{years[wanted - 1]}"


def _queries(collection: Collection, topics: list[str]) -> dict[str, list[str]]:
    """Selective filters for the benchmark: each selects a small share of the papers at any N."""
    entries = collection.entries
    # A topic of the long tail that still has papers; a leaf section; an author with a few papers.
    topic = topics[len(topics) // 2]
    leaf = next(path for path, keys in reversed(collection.sections) if len(path) == 3 and keys)
    counts: dict[Name, int] = {}
    for entry in entries:
        for name in entry.record.authors:
            counts[name] = counts.get(name, 0) + 1
    author = sorted(
        (n for n, c in counts.items() if 3 <= c <= 30 and len(n.last) > 5), key=lambda n: (n.last, n.first)
    )
    author_name = author[0] if author else entries[0].record.authors[0]
    # A word of the long tail of the vocabulary: rare at every N.
    words: dict[str, int] = {}
    for entry in entries[:2000]:
        for word in entry.record.title.lower().split():
            if word.isalpha() and len(word) > 6:
                words[word] = words.get(word, 0) + 1
    rare = sorted(w for w, c in words.items() if c == 2)
    word = rare[len(rare) // 2] if rare else "speculative"
    return {
        "topic": ["--topic", topic],
        "section": ["--section", leaf[-1]],
        "year range": ["--year", _early_years(entries)],
        "author": ["--author", f"{author_name.first} {author_name.last}"],
        "full text": [word],
        "no results": ["--topic", topic, "--year", "1990"],
    }


# ----------------------------------------------------------------------------------------------- writing


def _latex_name(person: Person, rng: random.Random, utf8: bool = False) -> str:
    """The name as the .bib file spells it: LaTeX accents, or (`utf8`) the accented letters themselves."""
    first, last = (person.name.first, person.name.last) if utf8 else (person.latex_first, person.latex_last)
    if person.latex_von or rng.random() < 0.7:
        last = f"{person.latex_von} {last}".strip()
        return f"{last}, {first}"
    return f"{first} {last}"


def _braced(text: str) -> str:
    return "{" + text + "}"


def bib_text(collection: Collection, seed: int = 2, utf8_share: float = 0.0) -> str:
    """The collection as a .bib file of the kind people import: macros, LaTeX accents, mixed name forms;
    `utf8_share` of the accented names written in UTF-8 rather than LaTeX."""
    rng = random.Random(seed)
    spelling = random.Random(seed + 7919)  # a stream of its own: 0 gives the original file

    def spelled(person: Person) -> str:
        utf8 = bool(utf8_share) and person.accented and spelling.random() < utf8_share
        return _latex_name(person, rng, utf8)

    out: list[str] = ["% A synthetic bibliography for survey-db's benchmarks.\n\n"]
    macros = sorted({(v[3], v[1]) for v in VENUES})
    for name, full in macros:
        out.append(f"@string{{{name} = {{{full}}}}}\n")
    out.append("\n")
    for entry in collection.entries:
        r = entry.record
        fields = [
            ("author", _braced(" and ".join(spelled(p) for p in entry.latex_authors))),
            ("title", _braced(entry.latex_title)),
        ]
        if entry.crossref:
            fields.append(("crossref", _braced(entry.crossref)))
        elif r.venue_full:
            venue_field = "journal" if r.entry_type == "article" else "booktitle"
            fields.append((venue_field, entry.macro if entry.macro else _braced(r.venue_full)))
        if not entry.crossref:
            fields.append(("year", str(r.year) if rng.random() < 0.5 else _braced(str(r.year))))
        if entry.month:
            fields.append(("month", entry.month))
        if r.pages:
            fields.append(("pages", _braced(r.pages.replace("\u2013", "--"))))
        if r.doi:
            fields.append(("doi", _braced(r.doi)))
        if r.arxiv_id:
            fields += [
                ("eprint", _braced(r.arxiv_id)),
                ("archivePrefix", _braced("arXiv")),
                ("primaryClass", _braced(r.extra["primaryclass"])),
            ]
        if r.url:
            fields.append(("url", _braced(r.url)))
        if r.code_url:
            fields.append(("code", _braced(r.code_url)))
        fields.append(("abstract", _braced(r.abstract or "")))
        fields.append(("keywords", _braced(", ".join(r.topics))))
        body = ",\n".join(f"  {name} = {value}" for name, value in fields)
        out.append(f"@{r.entry_type}{{{r.key},\n{body}\n}}\n\n")
    for key, title, macro, year in collection.proceedings:
        out.append(
            f"@proceedings{{{key},\n  title = {{{title}}},\n  booktitle = {macro},\n  year = {{{year}}},\n"
            f"  publisher = {{Synthetic Press}}\n}}\n\n"
        )
    return "".join(out)


def seed_records(collection: Collection) -> list[PaperRecord]:
    """The records as the database stores them (crossref parents as papers of their own), sorted by key."""
    records = []
    for entry in collection.entries:
        record = entry.record
        if entry.crossref:
            record = PaperRecord(**{**record.__dict__, "extra": {**record.extra, "crossref": entry.crossref}})
        records.append(record)
    for key, title, _macro, year in collection.proceedings:
        records.append(
            PaperRecord(
                title=title,
                key=key,
                entry_type="proceedings",
                year=year,
                venue_full=title,
                extra={"publisher": "Synthetic Press"},
            )
        )
    return sorted(records, key=lambda r: r.key or "")


def taxonomy_text(collection: Collection) -> str:
    """taxonomy.toml as `survey dump` writes it."""

    lines = [
        "# The survey's taxonomy: sections in tree order, each with its papers' keys in table order.",
        "# Papers themselves live in papers.bib. Written by `survey dump`; edit freely, then `survey seed`.",
        "",
        "[survey]",
        'title = "A Synthetic Survey"',
    ]
    from survey_db.identifiers import slugify

    used: set[str] = set()
    for path, keys in collection.sections:
        slug = slugify(path[-1]) or "section"
        while slug in used:
            slug += "-x"
        used.add(slug)
        lines += ["", "[[sections]]", f"path = [{', '.join(json.dumps(p) for p in path)}]"]
        lines.append(f"slug = {json.dumps(slug)}")
        if keys:
            lines.append("papers = [")
            lines += [f"  {json.dumps(k)}," for k in keys]
            lines.append("]")
    return "\n".join(lines) + "\n"


def write(collection: Collection, out_dir: Path, utf8_share: float = 0.0) -> tuple[Path, Path]:
    """Write collection.bib, seeds/ and queries.json (selective filters) into out_dir; returns (the .bib, the
    seeds folder). `utf8_share`: see `bib_text`."""
    from survey_db.bibtex import format_bibtex

    out_dir.mkdir(parents=True, exist_ok=True)
    bib = out_dir / "collection.bib"
    bib.write_text(bib_text(collection, utf8_share=utf8_share), encoding="utf-8")
    seeds = out_dir / "seeds"
    seeds.mkdir(exist_ok=True)
    (seeds / "papers.bib").write_text(
        format_bibtex(seed_records(collection), style="bibtex", ascii=False), encoding="utf-8"
    )
    (seeds / "taxonomy.toml").write_text(taxonomy_text(collection), encoding="utf-8")
    (out_dir / "queries.json").write_text(json.dumps(collection.queries, indent=1), encoding="utf-8")
    return bib, seeds


def _share(text: str) -> float:
    value = float(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"{text} is not a share between 0 and 1")
    return value


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, help="number of papers")
    parser.add_argument("out", type=Path, help="folder to write collection.bib and seeds/ into")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument(
        "--accented",
        type=_share,
        default=0.1,
        metavar="SHARE",
        help="share of the entries with an accented author name and title word (default 0.1; 1: every entry)",
    )
    parser.add_argument(
        "--utf8",
        type=_share,
        default=0.0,
        metavar="SHARE",
        help="share of the accented names written as raw UTF-8 instead of LaTeX accents (default 0)",
    )
    parser.add_argument(
        "--long-authors",
        type=_share,
        default=0.0,
        metavar="SHARE",
        help="share of the entries with a long author list, 20-150 people (default 0)",
    )
    args = parser.parse_args(argv)
    collection = generate(args.n, args.seed, accented_share=args.accented, long_authors=args.long_authors)
    bib, seeds = write(collection, args.out, utf8_share=args.utf8)
    print(f"wrote {bib} ({bib.stat().st_size / 1e6:.1f} MB) and {seeds}/")


if __name__ == "__main__":
    main()
