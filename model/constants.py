"""The numbers every layer agrees on, in a module without torch: the app's first page reads them before
torch is imported (see app/startup.py). model.network re-exports them."""

MNIST_MEAN = 0.1307  # the one place the normalisation constants live
MNIST_STD = 0.3081
IMAGE_SIDE = 28
N_PIXELS = IMAGE_SIDE * IMAGE_SIDE
N_CLASSES = 10
META_KEY = "digit_lens"  # a checkpoint's safetensors metadata entry (model.checkpoint)
# Blue negative, white zero, red positive: the one palette of every signed map (PNG exports, Plotly, our
# components). Here rather than in explain/ because the first page draws with it before torch is in.
DIVERGING_STOPS = ((5, 48, 97), (33, 102, 172), (146, 197, 222), (247, 247, 247),
                   (244, 165, 130), (178, 24, 43), (103, 0, 31))
