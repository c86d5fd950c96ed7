"""explain.check_answer and ``convnet check``: hand-computed answers, each wrong entry's working,
the mistake named when it reproduces the answer exactly."""

import numpy as np
import pytest

from convnet import cli
from convnet.explain import check_answer

# LMU exercise 4-1: the printed image and the vertical Sobel kernel.
LMU_X = [[3, 5, 2, 5, 5], [5, 5, 2, 5, 5], [7, 7, 5, 7, 7], [5, 5, 2, 5, 5], [5, 5, 2, 5, 5]]
SOBEL = [[1, 0, -1], [2, 0, -2], [1, 0, -1]]
# By hand (tests/exercises/test_lmu_exercise4.py): D[r, j] = X[r, j] - X[r, j+2], Y = D + 2D + D.
LMU_Y = [[9, 0, -11], [10, 0, -10], [11, 0, -11]]
HERTIE_X14 = np.arange(1.0, 17.0).reshape(4, 4)          # problem set 2, 1.4


def test_a_right_answer_passes():
    result = check_answer("correlate", LMU_X, SOBEL, LMU_Y)
    assert result.passed and result.checked == 9 and not result.wrong
    assert result.text().endswith("Verdict: right\n")


def test_the_lmu_sheets_printed_y00_does_not_match_its_own_image():
    # The sheet prints Y00 = 1·5 + 0·5 + (-1)·2 + 2·5 + ... = 11: the top-left pixel read as 5.
    answer = np.array(LMU_Y, dtype=float)
    answer[0, 0] = 11
    result = check_answer("correlate", LMU_X, SOBEL, answer)
    assert not result.passed and result.checked == 9
    (entry,) = result.wrong
    assert (entry.where, entry.given, entry.correct) == ("z[0, 0]", 11.0, 9.0)
    # 1·3 + 0·5 - 1·2 + 2·5 + 0·5 - 2·2 + 1·7 + 0·7 - 1·5 = 3 - 2 + 10 - 4 + 7 - 5 = 9
    assert entry.working == ("z[0, 0] = 1·3 + 0·5 + (-1)·2 + 2·5 + 0·5 + (-2)·2 + 1·7 + 0·7 "
                             "+ (-1)·5 = 9")
    assert result.mistakes == (("an input entry misread", "Your numbers are those of the input "
                                "with x[0, 0] = 5 instead of 3 (the answer does not match the "
                                "image it was computed from)."),)


def test_blank_entries_are_not_checked_and_every_single_misreading_is_listed():
    result = check_answer("correlate", LMU_X, SOBEL, "11 ? ?; ? ? ?; ? ? ?")
    assert result.checked == 1 and len(result.wrong) == 1
    (name, text), = result.mistakes
    # z[0, 0] reads the six non-zero weights' pixels; 2 more is x + 2/w at each of them.
    assert "x[0, 0] = 5 (not 3)" in text and "x[1, 0] = 6 (not 5)" in text
    assert "x[2, 2] = 3 (not 5)" in text and "x[0, 1]" not in text      # weight 0


def test_a_convolution_given_for_a_correlation_is_named_from_the_catalogue():
    # Sobel is antisymmetric left-right: the flipped kernel negates every output.
    result = check_answer("correlate", LMU_X, SOBEL, -np.array(LMU_Y, dtype=float))
    assert [name for name, _ in result.mistakes] == ["kernel flipped"]
    assert len(result.wrong) == 6                                        # the zeros stay right


def test_a_transposed_result_and_a_wrong_padding_are_named():
    transposed = check_answer("correlate", LMU_X, SOBEL, np.array(LMU_Y).T)
    assert [name for name, _ in transposed.mistakes] == ["the result transposed"]
    # [[1, 2]] correlated with [[1, 1]] in full: 0+1, 1+2, 2+0
    full = check_answer("correlate", [[1, 2]], [[1, 1]], [[1, 3, 2]])
    assert full.problems == ("z is 1x3, the correct z is 1x1; no entry can be compared.",)
    assert full.mistakes == (("the wrong padding", "Your numbers are those of padding 'full' "
                                                   "instead of 'valid'."),)


def test_average_pooling_not_divided_and_max_for_avg():
    # 1.4's 2x2 blocks sum to 14, 22, 46, 54; their means are 3.5, 5.5, 11.5, 13.5.
    sums = check_answer("pool", HERTIE_X14, 2, "14 22; 46 54", pooling="avg")
    assert [name for name, _ in sums.mistakes] == ["average not divided by the window"]
    assert sums.wrong[0].working == "z[0, 0] = (1 + 2 + 5 + 6)/4 = 3.5"
    maxima = check_answer("pool", HERTIE_X14, 2, "6 8; 14 16", pooling="avg")
    assert [name for name, _ in maxima.mistakes] == ["max pooling instead of avg pooling"]
    assert check_answer("pool", HERTIE_X14, 2, "3.5 5.5; 11.5 13.5", pooling="avg").passed


def test_output_size_slips():
    # AlexNet's first layer: (227 - 11)/4 + 1 = 54 + 1 = 55
    assert check_answer("output size", 227, 11, 55, stride=4).passed
    names = {answer: [name for name, _ in check_answer("output size", 227, 11, answer,
                                                        stride=4).mistakes]
             for answer in (54, 217)}
    assert names == {54: ["the +1 left out"], 217: ["the stride left out"]}
    # (10 + 2·2 - 3)/1 + 1 = 12; padding once: 10 + 2 - 3 + 1 = 10; no +1: 11
    once = check_answer("output size", 10, 3, "10", padding=2)
    assert [name for name, _ in once.mistakes] == ["the padding counted on one side only"]
    assert once.wrong[0].working.endswith("= 12")


def test_backward_answers_each_gradient_on_its_own():
    x = np.arange(9.0).reshape(3, 3)
    w = np.array([[1.0, 2.0], [3.0, 4.0]])
    dz = np.array([[1.0, 0.0], [0.0, 0.0]])
    # dz picks the first window only: dx = w placed at the top left, dw = x's top-left 2x2.
    dx = [[1, 2, 0], [3, 4, 0], [0, 0, 0]]
    dw = [[0, 1], [3, 4]]
    assert check_answer("backward", x, w, {"dx": dx, "dw": dw, "db": 1}, dz=dz).passed
    # rot180 forgotten: the full correlation of dz with w puts rot180(w) = [[4, 3], [2, 1]] there.
    wrong = check_answer("backward", x, w, {"dx": [[4, 3, 0], [2, 1, 0], [0, 0, 0]],
                                            "dw": [[0, 3], [1, 4]], "db": 0.25}, dz=dz)
    assert [name for name, _ in wrong.mistakes] == [
        "missing rot180 in the input gradient", "weight gradient transposed (rows)",
        "db averaged instead of summed"]
    assert "dx[0, 0] = 0·0 + 0·0 + 0·0 + 4·1 = 4" not in wrong.text()
    assert "dx[0, 0] = 4·0 + 3·0 + 2·0 + 1·1 = 1" in wrong.text()


@pytest.mark.parametrize("call, error, words", [
    (lambda: check_answer("correlation", [[1]], [[1]], [[1]]), ValueError, "kind must be one of"),
    (lambda: check_answer("correlate", [[1]], [[1]], [[1]], pooling="max"), ValueError,
     "pooling must be an option of check_answer('correlate', ...)"),
    (lambda: check_answer("correlate", [[1]], [[1]], "1 x"), ValueError, "answer must be"),
    (lambda: check_answer("correlate", [[1]], [[1]], [1]), ValueError, "answer must be a matrix"),
    (lambda: check_answer("output size", 5, 3, [3]), TypeError, "answer must be a number"),
    (lambda: check_answer("backward", [[1]], [[1]], {"dx": [[1]]}), ValueError, "dz must be"),
    (lambda: check_answer("backward", [[1]], [[1]], {"dy": [[1]]}, dz=[[1]]), ValueError,
     "answer must be a dict"),
    (lambda: check_answer("correlate", [[1]], [[1]], [[1]], tolerance=-1), ValueError,
     "tolerance must be"),
])
def test_bad_calls_name_the_argument(call, error, words):
    with pytest.raises(error, match=words.replace("(", r"\(").replace(")", r"\)")):
        call()


def test_the_command_prints_the_report_and_exits_1_for_a_wrong_answer(capsys):
    status = cli.main(["check", "correlate", "--x", "; ".join(" ".join(map(str, r))
                                                                 for r in LMU_X),
                       "--k", "1 0 -1; 2 0 -2; 1 0 -1", "--answer", "11 0 -11; 10 0 -10; 11 0 -11"])
    out = capsys.readouterr().out
    assert status == 1
    assert "x[0, 0] = 5 instead of 3" in out and out.endswith("Verdict: WRONG\n")
    assert cli.main(["check", "size", "--n", "227", "--kernel", "11", "--stride", "4",
                     "--answer", "55"]) == 0
    assert capsys.readouterr().out.endswith("Verdict: right\n")
    assert cli.main(["check", "pool", "--x", "1 2 3 4; 5 6 7 8; 1 2 3 4; 5 6 7 8", "--size", "2",
                     "--kind", "avg", "--answer", "14 22; 14 22"]) == 1
    assert "average not divided by the window" in capsys.readouterr().out
    assert cli.main(["check", "backward", "--x", "0 1 2; 3 4 5; 6 7 8", "--w", "1 2; 3 4",
                     "--dz", "1 0; 0 0", "--db", "1"]) == 0


def test_the_command_refuses_a_backward_check_without_an_answer(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["check", "backward", "--x", "1 2; 3 4", "--w", "1", "--dz", "1 2; 3 4"])
    assert exit_.value.code == 2
    assert "give at least one of --dx, --dw and --db" in capsys.readouterr().err
