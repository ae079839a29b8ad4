"""edgebench: does fine-tuned behaviour survive quantization on the device? (the CLI package)"""
