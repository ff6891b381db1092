"""The package students build: one file per course module, generated from src/ by nbdev."""
