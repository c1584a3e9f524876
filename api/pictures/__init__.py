"""Pictures of what the projections answer: status lanes (SVG, PNG) and a programme map (SVG)."""
