"""Pure transformation: a stored legacy page + its mapping -> a canonical Article (or a
SkippedPage with a reason). Nothing here does I/O. Entry point: transform.pipeline.transform_page."""
