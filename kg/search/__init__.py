"""Search: the encoder, the vector and BM25 indexes over node texts, and the engine that ranks."""
