"""Model families, one sub-package each: the network or file format, its input spec, its decoding, its
weights facts and its builder, stated once (`base.Family`)."""
