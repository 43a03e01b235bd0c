"""Reading the graph: the networkx view, the context of a node, statistics and the lifecycle."""
