"""Labelled datasets (from reviewed uploads or imported COCO files) and COCO-style mAP evaluation of models on them."""
