"""Outputs for people to look at: taxonomy figures (forest, Mermaid, Graphviz), charts, the static site.

Each module turns plain data (outputs.tree, plain counts, records) into one kind of file; none of them
reads the database, and heavy libraries load inside the functions that need them.
"""
