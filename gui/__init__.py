"""Finetune Studio's windows and panels (Qt only; the work is done by ``engine``)."""
