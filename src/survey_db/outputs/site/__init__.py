"""The static site's templates and assets (package data), rendered by outputs.website."""
