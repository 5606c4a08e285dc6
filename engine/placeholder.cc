// Placeholder so the library has a source until the engine lands; delete when adding real sources.
