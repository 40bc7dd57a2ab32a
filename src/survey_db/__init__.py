"""survey-db: a bibliographic database for literature surveys and awesome lists of papers."""

__version__ = "0.1.0"
