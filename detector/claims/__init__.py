"""Known claims: import of fact-checks, the matching index, reranking, stance, evaluation, and
the analysis of a post for the desk (:func:`detector.claims.analysis.analyse_post`)."""
