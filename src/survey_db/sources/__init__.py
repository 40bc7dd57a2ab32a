"""Online sources of metadata: one module per service turns its answers into plain records.

`http` holds the one HTTP client (httpx, imported when first used) with the rate limits, retries and the
on-disk `cache`; `arxiv`, `crossref`, `doi`, `dblp` and `acl` know each service's request and answer
formats. Deciding what to do with the records (matching preprints to published versions, protected
fields) is the job of `survey_db.services.lookup`, not of these modules.
"""
