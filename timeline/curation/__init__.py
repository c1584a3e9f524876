"""Curation: from a document's text to candidate milestones a person reviews.

`reading` decodes and normalises a document and gives its content address, `paragraphs` splits
it and resolves locators, `dates` reads Chinese date expressions as EDTF, `rules` loads the cue
phrases and date rules kept as data in `seeds/curation/`, and `extract` proposes candidates.
"""
