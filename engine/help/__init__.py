"""Words for people: the glossary of every term, the in-app guide to fine-tuning, and the window's form of the
engine's sentences. Plain text, no Qt, no other engine package: the command line and the window both read it,
and a translation replaces these modules."""
