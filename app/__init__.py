"""Tidemark: who controls which town, day by day, with every claim traced to its source."""
