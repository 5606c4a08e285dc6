// Placeholder so the library has a source until analysis lands; delete when adding real sources.
