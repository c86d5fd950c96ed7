"""The course documents' numbers, once: the images, kernels and printed answers of the exercise sheets.

``tests/exercises/`` checks the library against them, :mod:`convnet.testing`
checks a student's functions against them (as its first, named cases).  Every
array is exactly as printed on its sheet (rows top to bottom); where a sheet
is wrong, the comment says so and the array holds the correct value.

Sheets: Goodfellow et al. chapter 9, week 12 (``GOODFELLOW_*``); LMU Deep
Learning exercise 4 (``LMU_*``); Hertie School problem set 2 (``HERTIE_*``);
Hagan et al. chapter 8 (``CHAPTER8_*``).
"""

from __future__ import annotations

import numpy as np

# -- Goodfellow sheet, exercise 3: the 4x6 image, the vertical-edge kernel ------
GOODFELLOW_X = np.array([[1, 6, 6, 6, 6, 1],
                         [1, 6, 10, 10, 6, 1],
                         [1, 6, 10, 10, 6, 1],
                         [1, 6, 6, 6, 6, 1]], dtype=float)
GOODFELLOW_K = np.array([[-1, 0, 1],
                         [-1, 0, 1],
                         [-1, 0, 1]], dtype=float)
GOODFELLOW_VALID = np.array([[23, 8, -8, -23],
                             [23, 8, -8, -23]], dtype=float)
GOODFELLOW_SAME = np.array([[12, 14, 4, -4, -14, -12],
                            [18, 23, 8, -8, -23, -18],
                            [18, 23, 8, -8, -23, -18],
                            [12, 14, 4, -4, -14, -12]], dtype=float)
GOODFELLOW_FULL = np.array([[1, 6, 5, 0, 0, -5, -6, -1],
                            [2, 12, 14, 4, -4, -14, -12, -2],
                            [3, 18, 23, 8, -8, -23, -18, -3],
                            [3, 18, 23, 8, -8, -23, -18, -3],
                            [2, 12, 14, 4, -4, -14, -12, -2],
                            [1, 6, 5, 0, 0, -5, -6, -1]], dtype=float)
GOODFELLOW_DETECTOR = np.array([[12, 14, 4, 0, 0, 0],      # 3(b): ReLU of the same output
                                [18, 23, 8, 0, 0, 0],
                                [18, 23, 8, 0, 0, 0],
                                [12, 14, 4, 0, 0, 0]], dtype=float)
GOODFELLOW_POOLED = np.array([[23, 8, 0],                  # 3(b): 2x2 max pooling of it
                              [23, 8, 0]], dtype=float)

# -- LMU exercise 4-1: the printed 5x5 image and three kernels --------------------
LMU_X = np.array([[3, 5, 2, 5, 5],
                  [5, 5, 2, 5, 5],
                  [7, 7, 5, 7, 7],
                  [5, 5, 2, 5, 5],
                  [5, 5, 2, 5, 5]], dtype=float)
LMU_SOBEL_VERTICAL = np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]], dtype=float)
LMU_SOBEL_HORIZONTAL = np.array([[1, 2, 1], [0, 0, 0], [-1, -2, -1]], dtype=float)
LMU_LAPLACE = np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]], dtype=float)
# The sheet prints Y00 = 11, reading the top-left pixel as 5; its own image has a 3 there,
# which gives 9 (tests/exercises/test_lmu_exercise4.py has the sums).
LMU_SOBEL_VERTICAL_OUT = np.array([[9, 0, -11], [10, 0, -10], [11, 0, -11]], dtype=float)
LMU_SOBEL_HORIZONTAL_OUT = np.array([[-11, -10, -9], [0, 0, 0], [9, 10, 9]], dtype=float)
LMU_LAPLACE_OUT = np.array([[-1, 9, -1], [-6, -2, -6], [-1, 9, -1]], dtype=float)

# -- Hertie problem set 2 ------------------------------------------------------------
HERTIE_IMAGE = np.arange(1.0, 26.0).reshape(5, 5)               # 1.1: the 5x5 image 1..25
HERTIE_IDENTITY = np.array([[0, 0, 0], [0, 1, 0], [0, 0, 0]], dtype=float)
HERTIE_BLUR = np.full((4, 4), 1 / 16)
HERTIE_BLUR_OUT = np.array([[10, 11], [15, 16]], dtype=float)   # 1.1(b): means of 4x4 blocks
HERTIE_X13 = np.array([[0, 0, 0, 0], [0, 1, 0, 1], [1, 0.5, 1, 0.5], [0, 1, 0, 1]])
HERTIE_K13 = np.array([[0, 2, 0], [2, 1, 1], [0, 2, 0]], dtype=float)
HERTIE_Z13 = np.array([[0, 2, 0, 2], [4, 2, 5, 2], [2, 7.5, 2.5, 5.5], [4, 2, 5, 2]])  # convolved
HERTIE_A13 = np.array([[0.5000, 0.8808, 0.5000, 0.8808],      # sigmoid(Z13), 4 digits
                       [0.9820, 0.8808, 0.9933, 0.8808],
                       [0.8808, 0.9994, 0.9241, 0.9959],
                       [0.9820, 0.8808, 0.9933, 0.8808]])
HERTIE_P13 = np.array([[0.9820, 0.9933], [0.9994, 0.9959]])    # 2x2 max pooling of A13
HERTIE_X14 = np.arange(1.0, 17.0).reshape(4, 4)                # 1.4: average pooling
HERTIE_AVG14 = np.array([[3.5, 5.5], [11.5, 13.5]])

# -- Hagan et al. chapter 8 ----------------------------------------------------------
CHAPTER8_STRIDE_X = np.arange(16.0).reshape(4, 4)               # Fig. 8.3: stride two
CHAPTER8_STRIDE_OUT = np.array([[0 + 1 + 4 + 5, 2 + 3 + 6 + 7],
                                [8 + 9 + 12 + 13, 10 + 11 + 14 + 15]], dtype=float)
CHAPTER8_P81_KERNEL = np.array([[7.0, 8, 9], [4, 5, 6], [1, 2, 3]])   # P8.1, as a matrix
CHAPTER8_E88_A = np.array([[1.0, 7.0, 0.0, 2.0],                # E8.8: max pooling backprop
                           [3.0, 4.0, 9.0, 1.0],
                           [8.0, 0.0, 5.0, 6.0],
                           [2.0, 1.0, 4.0, 3.0]])
CHAPTER8_E88_DZ = np.array([[10.0, 20.0], [30.0, 40.0]])
CHAPTER8_E88_DA = np.array([[0, 10, 0, 0],
                            [0, 0, 20, 0],
                            [30, 0, 0, 40],
                            [0, 0, 0, 0]], dtype=float)
CHAPTER8_E84_IMAGE = np.array([[0, 0, 0, 0, 0],                 # E8.4: a kernel that shifts
                               [0, 0, 0, 0, 0],
                               [0, 0, 1, 0, 0],
                               [0, 1, 1, 0, 0],
                               [0, 0, 0, 0, 0]], dtype=float)
CHAPTER8_E84_KERNEL = np.array([[0, 0, 1], [0, 0, 0], [0, 0, 0]], dtype=float)  # P8.2's response
CHAPTER8_E84_SHIFTED = np.array([[0, 0, 0, 0, 0],
                                 [0, 0, 0, 1, 0],
                                 [0, 0, 1, 1, 0],
                                 [0, 0, 0, 0, 0],
                                 [0, 0, 0, 0, 0]], dtype=float)
