"""Find a face and frame it as LFW did, for photos that are not LFW images.

LFW's images are centred on the box of OpenCV's Viola-Jones frontal-face detector, enlarged to
a fixed frame. On LFW-a images of training people (none of pairsDevTest's), that detector's box
around the largest face is centred in the 250x250 frame (median offset 2 px) and 121 px wide
(median): the frame is FRAME = 2.07 box widths (`python benchmarks/verify.py` measures it
again). A photo's face is therefore found with the same detector, given that frame, and then
preprocessed exactly as training preprocesses an LFW image: the centre `crop`/250 of the frame,
resized to the network's input.
"""

import math
import threading
from dataclasses import asdict, dataclass

import numpy as np
from PIL import Image, ImageOps

from ..errors import LfwError
from .images import LFW_SIDE, decoding, eight_bit, load_image

FRAME = 2.07                 # LFW frame side / detector box width, measured on LFW-a
CASCADE = "haarcascade_frontalface_default.xml"  # ships inside the opencv-python wheel
DETECT_SIDE = 1024           # photos are searched at most this large (longer side), for speed
SMALLEST = 24                # the detector's own window, pixels


@dataclass(frozen=True)
class Face:
    """A detector box, in pixels of the upright image: left, top, width, height."""

    x: int
    y: int
    w: int
    h: int

    def as_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        return f"{self.w}x{self.h} at ({self.x}, {self.y})"


def open_upright(source) -> Image.Image:
    """The image, decoded and turned upright as viewers show it (EXIF orientation applied)."""
    with decoding(source), Image.open(source) as im:
        return eight_bit(ImageOps.exif_transpose(im))


def seen_side(frame_side: float, crop: int) -> float:
    """Pixels across the part of an LFW frame of `frame_side` px that the network sees."""
    return frame_side * min(crop, LFW_SIDE) / LFW_SIDE


def smallest_face(size: int, crop: int) -> int:
    """The narrowest face box whose frame still gives the network `size` pixels across."""
    return math.ceil(size / seen_side(FRAME, crop))


_loaded = threading.local()  # one detector per thread: OpenCV's is not safe to share


def _detector():
    if not hasattr(_loaded, "detector"):
        import cv2

        _loaded.detector = cv2.CascadeClassifier(cv2.data.haarcascades + CASCADE)
    return _loaded.detector


def detect(image: Image.Image) -> list[Face]:
    """Frontal faces found by OpenCV's Viola-Jones detector, largest first."""
    gray = image.convert("L")
    scale = min(1.0, DETECT_SIDE / max(gray.size))
    if scale < 1:
        gray = gray.resize((round(gray.width * scale), round(gray.height * scale)),
                           Image.Resampling.BILINEAR)
    boxes = _detector().detectMultiScale(np.asarray(gray), scaleFactor=1.1, minNeighbors=5,
                                      minSize=(SMALLEST, SMALLEST))
    faces = [Face(*(round(int(v) / scale) for v in box)) for box in boxes]
    return sorted(faces, key=lambda f: (-f.w * f.h, f.y, f.x))


def frame(image: Image.Image, face: Face, size: int, channels: int, crop: int) -> np.ndarray:
    """The network's input: the centre `crop`/250 of the LFW frame around `face`, resized to
    `size` x `size`. Where the frame reaches past the image, its edge pixels are repeated."""
    image = image.convert("L" if channels == 1 else "RGB")
    cx, cy = face.x + face.w / 2, face.y + face.h / 2
    half = seen_side(FRAME * face.w, crop) / 2
    box = [cx - half, cy - half, cx + half, cy + half]
    pad = math.ceil(max(0, -box[0], -box[1], box[2] - image.width, box[3] - image.height))
    if pad:
        pixels = np.asarray(image)
        widths = ((pad, pad), (pad, pad)) + (((0, 0),) if pixels.ndim == 3 else ())
        image = Image.fromarray(np.pad(pixels, widths, mode="edge"))
        box = [v + pad for v in box]
    array = np.asarray(image.resize((size, size), Image.Resampling.BILINEAR, box=tuple(box)))
    return array[..., None] if channels == 1 else array


def _check_framed(name, width: int, height: int, size: int, crop: int) -> None:
    seen = seen_side(min(width, height), crop)
    if seen < size:
        need = math.ceil(size * LFW_SIDE / min(crop, LFW_SIDE))
        raise LfwError(f"{name}: {width}x{height} px is too small: the network would see the "
                       f"centre {seen:.0f} px and needs {size}; an LFW-framed image must be at "
                       f"least {need} px on its shorter side")


def _check_face(name, face: Face, size: int, crop: int) -> None:
    if face.w < smallest_face(size, crop):
        raise LfwError(f"{name}: the face found ({face}) is too small: the network's "
                       f"{size}x{size} input needs a face at least {smallest_face(size, crop)} "
                       "px wide; use a larger photo or one taken closer")


def network_input(path, size: int, channels: int, crop: int | tuple,
                  lfw_framed: bool = False, gray_crops=()) -> tuple[np.ndarray, dict, list[Face]]:
    """One photo as the network's input, its gray regions at `gray_crops` (what the
    descriptors see: crop -> (size, size)), and the faces found in it (largest first; the
    first one is used). With `lfw_framed` the photo is taken as an LFW frame and decoded as
    stage regions and training decode LFW's images (no detection, no faces). Several crops
    (`Params.crops`) stack their regions on the channel axis. Errors name the photo: no face,
    a face or image too small for the network's resolution, an unreadable file."""
    crops = (crop,) if isinstance(crop, int) else tuple(crop)
    tightest = min(crops)  # the region that needs the most pixels
    if lfw_framed:
        with decoding(path), Image.open(path) as im:  # the header only: the size
            _check_framed(path, *im.size, size, tightest)
        net = np.concatenate([load_image(path, size, channels, c) for c in crops], axis=-1)
        return net, {c: load_image(path, size, 1, c)[..., 0] for c in gray_crops}, []
    image = open_upright(path)
    if min(image.size) < SMALLEST:
        raise LfwError(f"{path}: {image.width}x{image.height} px is too small to hold a face")
    faces = detect(image)
    if not faces:
        raise LfwError(f"{path}: no face found. If the photo is already framed like LFW's "
                       "(one face, centred, about half the image wide), pass --lfw-framed")
    _check_face(path, faces[0], size, tightest)
    net = np.concatenate([frame(image, faces[0], size, channels, c) for c in crops], axis=-1)
    return net, {c: frame(image, faces[0], size, 1, c)[..., 0] for c in gray_crops}, faces
