"""The synthetic region generator behind datasets/generate_region.py (see datasets/REGION.md):
one module per concern, run in order by pipeline.generate."""
