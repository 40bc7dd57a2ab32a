# ruff: noqa: E501 - the cases quote real titles whole
"""The rule that finds a preprint's published version among DBLP hits, on cases written from real papers of
the survey (../shared/upstream's papers_metadata.tsv has their published venues) and a few neighbours.

Rule (README, services/lookup.py): normalised titles equal or with a similarity ratio >= 0.85, the first
authors' last names equal (accents and case folded), the hit's year the preprint's or the next; CoRR
records are never the published version; a conference paper comes before a journal article.
"""

from __future__ import annotations

import pytest

from survey_db.names import parse_name
from survey_db.records import PaperRecord
from survey_db.services.lookup import pick_published
from survey_db.sources.dblp import CONFERENCE, INFORMAL, JOURNAL, Hit


def preprint(title: str, first_author: str, year: int) -> PaperRecord:
    return PaperRecord(title=title, authors=[parse_name(first_author)], year=year, venue="arXiv")


def hit(key: str, title: str, first_author: str, year: int, venue: str, kind: str) -> Hit:
    return Hit(key=key, title=title, authors=[first_author, "Second Author"], year=year, venue=venue, type=kind,
               doi=None)  # fmt: skip


def corr(title: str, first_author: str, year: int, number: str) -> Hit:
    return hit(f"journals/corr/abs-{number}", title, first_author, year, "CoRR", INFORMAL)


CASES = [
    # 1. A CoRR record beside the conference record: the conference (ICML 2023, a year after arXiv).
    ("speculative decoding: CoRR and ICML",
     preprint("Fast Inference from Transformers via Speculative Decoding", "Yaniv Leviathan", 2022),
     [corr("Fast Inference from Transformers via Speculative Decoding", "Yaniv Leviathan", 2022, "2211-17192"),
      hit("conf/icml/LeviathanKM23", "Fast Inference from Transformers via Speculative Decoding",
          "Yaniv Leviathan", 2023, "ICML", CONFERENCE)],
     "conf/icml/LeviathanKM23"),
    # 2. Published the same year (NeurIPS 2023).
    ("importance resampling: NeurIPS, same year",
     preprint("Data Selection for Language Models via Importance Resampling", "Sang Michael Xie", 2023),
     [hit("conf/nips/XieS0L23", "Data Selection for Language Models via Importance Resampling",
          "Sang Michael Xie", 2023, "NeurIPS", CONFERENCE),
      corr("Data Selection for Language Models via Importance Resampling", "Sang Michael Xie", 2023, "2302-03169")],
     "conf/nips/XieS0L23"),
    # 3. A title that changed slightly on publication (SpecInfer, arXiv 2023 -> ASPLOS 2024).
    ("SpecInfer: title changed on publication",
     preprint("SpecInfer: Accelerating Generative Large Language Model Serving with Speculative Inference and "
              "Token Tree Verification", "Xupeng Miao", 2023),
     [hit("conf/asplos/MiaoOZCWZWZYSSC24", "SpecInfer: Accelerating Large Language Model Serving with "
          "Tree-based Speculative Inference and Verification", "Xupeng Miao", 2024, "ASPLOS (3)", CONFERENCE)],
     "conf/asplos/MiaoOZCWZWZYSSC24"),
    # 4. Another renamed paper (Reconfidencing LLMs -> Reconfidencing LLM Uncertainty, 2024 both).
    ("Reconfidencing: title changed, same year",
     preprint("Reconfidencing LLMs from the Grouping Loss Perspective", "Lihu Chen", 2024),
     [hit("conf/emnlp/ChenPSV24", "Reconfidencing LLM Uncertainty from the Grouping Loss Perspective",
          "Lihu Chen", 2024, "EMNLP (Findings)", CONFERENCE)],
     "conf/emnlp/ChenPSV24"),
    # 5. A different paper with the same title: other first author, years earlier. No upgrade.
    ("same title, different paper",
     preprint("Small Models are Valuable Plug-ins for Large Language Models", "Canwen Xu", 2023),
     [hit("conf/xyz/Smith19", "Small Models are Valuable Plug-ins for Large Language Models", "John Smith", 2019,
          "XYZ", CONFERENCE)],
     None),
    # 6. Same first author, same title, but four years later: another paper (or an unrelated record).
    ("same title and author, four years later",
     preprint("FrugalML: How to use ML Prediction APIs more accurately and cheaply", "Lingjiao Chen", 2020),
     [hit("conf/xyz/Chen24", "FrugalML: How to use ML Prediction APIs more accurately and cheaply",
          "Lingjiao Chen", 2024, "XYZ", CONFERENCE)],
     None),
    # 7. The same authors' earlier paper with a similar name is not this one (FrugalGPT vs FrugalML).
    ("FrugalGPT is not FrugalML",
     preprint("FrugalGPT: How to Use Large Language Models While Reducing Cost and Improving Performance",
              "Lingjiao Chen", 2023),
     [hit("conf/nips/ChenZZ20", "FrugalML: How to use ML Prediction APIs more accurately and cheaply",
          "Lingjiao Chen", 2020, "NeurIPS", CONFERENCE),
      hit("journals/tmlr/ChenZZ24", "FrugalGPT: How to Use Large Language Models While Reducing Cost and "
          "Improving Performance", "Lingjiao Chen", 2024, "Trans. Mach. Learn. Res.", JOURNAL)],
     "journals/tmlr/ChenZZ24"),
    # 8. Accents folded: Üstün / Ustun (Aya Model, arXiv 2024 -> ACL 2024).
    ("accents in the first author",
     preprint("Aya Model: An Instruction Finetuned Open-Access Multilingual Language Model", "Ahmet Üstün", 2024),
     [hit("conf/acl/UstunAYKDOBSOKV24", "Aya Model: An Instruction Finetuned Open-Access Multilingual Language "
          "Model", "Ahmet Ustun", 2024, "ACL (1)", CONFERENCE)],
     "conf/acl/UstunAYKDOBSOKV24"),
    # 9. Published two years after the arXiv version (Induced Hallucinations, 2023 -> NAACL Findings 2025):
    #    outside the rule's year window, so the preprint stays (update can be forced by adding the DOI).
    ("two years later is outside the rule",
     preprint("Alleviating Hallucinations of Large Language Models through Induced Hallucinations", "Yue Zhang",
              2023),
     [hit("conf/naacl/ZhangCBS25", "Alleviating Hallucinations of Large Language Models through Induced "
          "Hallucinations", "Yue Zhang", 2025, "NAACL (Findings)", CONFERENCE)],
     None),
    # 10. Only the CoRR record exists: no published version.
    ("only CoRR",
     preprint("When Less is More: Investigating Data Pruning for Pretraining LLMs at Scale", "Max Marion", 2023),
     [corr("When Less is More: Investigating Data Pruning for Pretraining LLMs at Scale", "Max Marion", 2023,
           "2309-04564")],
     None),
    # 11. A workshop version and the journal version: the conference-type record (DBLP types workshops so).
    ("conference before journal",
     preprint("ProxyLM: Predicting Language Model Performance on Multilingual Tasks via Proxy Models",
              "David Anugraha", 2024),
     [hit("journals/xyz/AnugrahaWLIL25", "ProxyLM: Predicting Language Model Performance on Multilingual Tasks "
          "via Proxy Models", "David Anugraha", 2025, "XYZ J.", JOURNAL),
      hit("conf/naacl/AnugrahaWLIL25", "ProxyLM: Predicting Language Model Performance on Multilingual Tasks "
          "via Proxy Models", "David Anugraha", 2025, "NAACL (Findings)", CONFERENCE)],
     "conf/naacl/AnugrahaWLIL25"),
    # 12. Case and punctuation differ (LLM-BLENDER vs LLM-Blender), DBLP's trailing period dropped.
    ("capitals and punctuation",
     preprint("LLM-Blender: Ensembling Large Language Models with Pairwise Ranking and Generative Fusion",
              "Dongfu Jiang", 2023),
     [hit("conf/acl/Jiang0L23", "LLM-BLENDER: Ensembling Large Language Models with Pairwise Ranking and "
          "Generative Fusion", "Dongfu Jiang", 2023, "ACL (1)", CONFERENCE)],
     "conf/acl/Jiang0L23"),
    # 13. A different first author with a near title (a follow-up by other people): no upgrade.
    ("a follow-up by others",
     preprint("Small Agent Can Also Rock! Empowering Small Language Models as Hallucination Detector",
              "Xiaoxue Cheng", 2024),
     [hit("conf/xyz/Wang24", "Small Agents Can Also Rock! Empowering Small Language Models as Hallucination "
          "Detectors", "Wei Wang", 2024, "XYZ", CONFERENCE)],
     None),
]  # fmt: skip


@pytest.mark.parametrize(("name", "paper", "hits", "expected"), CASES, ids=[case[0] for case in CASES])
def test_upgrade_rule(name, paper, hits, expected):
    chosen = pick_published(paper, hits)
    assert (chosen.key if chosen else None) == expected, name


def test_there_are_at_least_ten_cases_with_both_outcomes():
    outcomes = [expected is not None for *_, expected in CASES]
    assert len(CASES) >= 10 and any(outcomes) and not all(outcomes)
