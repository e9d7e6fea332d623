"""The twin's convolution stack, described without importing Keras.

Each entry is (kernel size, followed by 2x2 max-pooling). Shared by the model builder and
the parameter checks (which must know the smallest image the stack accepts).
"""

CONV_STACK = ((10, True), (7, True), (4, True), (4, False))


def feature_map_size(image_size: int) -> int:
    """Side of the last feature map for a square input (valid convolutions, pool 2/2)."""
    size = image_size
    for kernel, pooled in CONV_STACK:
        size = size - kernel + 1
        if size < 1:
            return 0
        if pooled:
            size //= 2
    return size


def min_image_size() -> int:
    """Smallest square input that leaves at least a 1x1 feature map."""
    size = 1
    while feature_map_size(size) < 1:
        size += 1
    return size
