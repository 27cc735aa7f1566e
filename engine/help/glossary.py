"""Every term the app shows, in one or two plain sentences with an example: the window's tooltips, the guide's
word list and ``python -m engine glossary`` read them from here.

Plain text only (no markup, no Qt), so that the command line can print it. Every text is marked with
``tr_later`` and translated where it is read (:func:`term`, :func:`tip`, :func:`entries`…), in the language
spoken then (engine/core/i18n.py). The text never names a command-line option: the window shows it as it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from engine.core.i18n import tr, tr_later


@dataclass(frozen=True, slots=True)
class Term:
    name: str
    tip: str  # one or two plain sentences, with an example


def _terms(*entries: tuple[str, str, str]) -> dict[str, Term]:
    return {key: Term(name, tip) for key, name, tip in entries}


#: The figures of the Results tab, the evaluation command and the model list.
TERMS: dict[str, Term] = _terms(
    ("accuracy", tr_later("Accuracy"),
     tr_later("The share of images the model answers correctly. For example 45 right out of 50 images is 90%.")),
    ("balanced_accuracy", tr_later("Balanced accuracy"),
     tr_later("The average of each class's share of correct answers, so a small class counts as much as a large "
              "one. For example, with 90 healthy and 10 ill images, always answering \"healthy\" has 90% accuracy "
              "but only 50% balanced accuracy.")),
    ("macro_f1", tr_later("Macro F1"),
     tr_later("The F1 score worked out for each class and then averaged, every class weighing the same; from 0 "
              "(useless) to 1 (perfect). For example F1 0.9 for cats and 0.5 for dogs give macro F1 0.7.")),
    ("weighted_average", tr_later("Weighted average"),
     tr_later("The per-class figures averaged with each class weighing by its number of images. For example a class "
              "with 90 images counts nine times as much as one with 10.")),
    ("ece", tr_later("Calibration error (ECE)"),
     tr_later("How far the model's confidence is from how often it is right, on average; 0 is perfect. For example, "
              "if the answers given with 80% confidence are right only 60% of the time, that part adds an error of "
              "0.2.")),
    ("roc_auc", tr_later("ROC AUC"),
     tr_later("How well the model ranks the images of one class above the others, from 0.5 (a coin toss) to 1 "
              "(always). For example 0.9 means a random ill image gets a higher \"ill\" score than a random healthy "
              "one 9 times out of 10.")),
    ("precision", tr_later("Precision"),
     tr_later("When the model names this class, how often it is right. For example, if it calls 20 images \"cat\" "
              "and 18 are cats, precision is 0.9.")),
    ("recall", tr_later("Recall"),
     tr_later("Of the images that really are this class, the share the model finds. For example, if there are 20 "
              "cats and it finds 15, recall is 0.75.")),
    ("f1", tr_later("F1"),
     tr_later("Precision and recall combined into one number (their harmonic mean), from 0 to 1; it is high only "
              "when both are. For example precision 0.9 and recall 0.6 give F1 0.72.")),
    ("support", tr_later("Images"),
     tr_later("How many images of this class were measured. Figures from a handful of images can change a lot with "
              "one more right or wrong answer: for example 2 of 3 is 67%, 3 of 3 is 100%.")),
    ("sensitivity", tr_later("Sensitivity"),
     tr_later("Of the images that really are the positive class, the share the model finds (the same as recall). "
              "For example 45 of 50 ill patients found is 90% sensitivity.")),
    ("specificity", tr_later("Specificity"),
     tr_later("Of the images that are not the positive class, the share the model correctly leaves out. For example "
              "95 of 100 healthy patients called healthy is 95% specificity.")),
    ("ppv", tr_later("PPV (precision)"),
     tr_later("When the model says \"positive\", how often it is right (positive predictive value). For example 45 "
              "right out of 50 alarms is 90%.")),
    ("npv", tr_later("NPV"),
     tr_later("When the model says \"not positive\", how often it is right (negative predictive value). For example "
              "95 right out of 100 all-clears is 95%.")),
    ("threshold", tr_later("Decision threshold"),
     tr_later("With two classes, an image counts as positive when its probability is at least this. For example at "
              "0.3 an image with 35% \"ill\" is called ill: more found, more false alarms.")),
    ("confusion_matrix", tr_later("Confusion matrix"),
     tr_later("A table of true class (rows) against the model's answer (columns); the diagonal holds the right "
              "answers. For example the cell \"cat\" row, \"dog\" column counts cats taken for dogs.")),
    ("roc_curve", tr_later("ROC curve"),
     tr_later("Every threshold at once: how many positives are found (up) against how many false alarms (right); "
              "the diagonal is guessing. For example a point at the top left finds every positive with no false "
              "alarm.")),
    ("reliability", tr_later("Calibration plot"),
     tr_later("Bars of how often the model is right at each level of confidence; on the diagonal it is honest. For "
              "example a bar at 90% confidence reaching only 70% means over-confidence.")),
    ("gflops", tr_later("GFLOPs"),
     tr_later("Billions of arithmetic operations to look at one image: a measure of how much work, and so time, the "
              "model needs. For example ResNet-18 needs 1.8 GFLOPs, about a quarter of ResNet-101's 7.8.")),
    ("params", tr_later("Parameters"),
     tr_later("The numbers (weights) the model learns. For example ResNet-18 has 11.7 million; more usually means "
              "more capacity but slower training and more memory.")),
    ("top1", tr_later("ImageNet top-1 / top-5"),
     tr_later("How often the model's first answer (top-1), or one of its first five (top-5), was right on "
              "ImageNet's 1000 everyday classes. For example 69.8% top-1 for ResNet-18.")),
    ("normalise", tr_later("Normalise (mean/std)"),
     tr_later("Before the model sees an image, each colour channel has the average brightness of the pretraining "
              "photos (mean) subtracted and is divided by their spread (std), as the model learned. For example a "
              "red value of 0.6 becomes (0.6 - 0.485) / 0.229 = 0.50.")),
    ("hidden_units", tr_later("Hidden units"),
     tr_later("The size of an extra layer between the pretrained features and the answer. For example 256 hidden "
              "units give the new classifier more room to combine features, and more to learn.")),
    ("epoch", tr_later("Epoch"),
     tr_later("One pass over every training image. For example 10 epochs on 500 images means the model sees each "
              "image 10 times.")),
    ("loss", tr_later("Loss"),
     tr_later("How wrong the model's probabilities are, lower is better; training makes it smaller. For example an "
              "even guess among 4 classes has a loss of 1.39 (ln 4), so a loss far above that means something is "
              "wrong.")),
    ("validation", tr_later("Validation images"),
     tr_later("Images kept aside and never trained on, to check the model during training and choose the best "
              "epoch. For example 20% of 500 images: 100 validation images.")),
    ("test_set", tr_later("Test images"),
     tr_later("Images kept aside until the very end, for one untouched measurement. Unlike the validation images "
              "they are never used to choose anything: for example 10% of the images, measured once.")),
    ("saved_model", tr_later("Saved model"),
     tr_later("The model from the best epoch (by the figure early stopping watches), which is what you get when you "
              "open the run. For example the run may train 10 epochs and save epoch 7.")),
    ("chance", tr_later("Chance"),
     tr_later("What guessing at random would score: one in the number of classes. For example 25% with 4 classes; a "
              "model near it has learnt little.")),
    ("majority", tr_later("Majority class"),
     tr_later("What always answering the largest class would score. For example 90% if 90 of 100 validation images "
              "are \"healthy\": a model must beat that to be useful.")),
    ("frozen", tr_later("Frozen layer"),
     tr_later("A layer whose pretrained weights are kept as they are during training. For example, with the lower "
              "half frozen, only the upper layers and the new classifier learn.")),
    ("stage", tr_later("Stage"),
     tr_later("A group of layers that work at one image resolution; lower stages see edges and textures, upper "
              "stages whole shapes. For example ResNet-18 has a stem and four stages.")),
    ("overfitting", tr_later("Overfitting"),
     tr_later("The model memorises the training images instead of learning what the classes look like. For example "
              "training accuracy climbs to 100% while validation accuracy falls from 80% to 70%.")),
)

#: Layer types of the layer tree (torchvision's module names), each in plain words.
LAYER_TYPES: dict[str, str] = {
    "Conv2d": tr_later("A convolution: small filters slide over the image and each answers how much a pattern (an "
                       "edge, a texture, a shape) is there. For example 64 filters of 3x3 pixels."),
    "BatchNorm2d": tr_later("Batch normalisation: rescales each channel to a steady average and spread, which keeps "
                            "training stable. Its running statistics are part of what the model learned."),
    "LayerNorm": tr_later("Layer normalisation: rescales each image's features to a steady average and spread, which "
                          "keeps training stable (used in transformers)."),
    "LayerNorm2d": tr_later("Layer normalisation over the channels of each pixel, which keeps training stable."),
    "Sequential": tr_later("A container: the layers inside it run one after the other. Ticking it freezes all of "
                           "them."),
    "ModuleList": tr_later("A container holding a list of layers. Ticking it freezes all of them."),
    "Dropout": tr_later("During training, silences a random share of its inputs so the next layer cannot rely on a "
                        "few. For example p=0.2 silences one in five; it does nothing when the model predicts."),
    "Linear": tr_later("A fully connected layer: every output is a weighted sum of every input. For example the new "
                       "classifier turns 512 features into one score per class."),
    "NonDynamicallyQuantizableLinear": tr_later("A fully connected layer inside an attention block: every output is "
                                                "a weighted sum of every input."),
    "ReLU": tr_later("An activation: keeps positive values and turns negative ones to zero. It has no weights."),
    "ReLU6": tr_later("An activation: like ReLU, but also caps values at 6. It has no weights."),
    "GELU": tr_later("An activation: a smooth version of ReLU used by transformers. It has no weights."),
    "SiLU": tr_later("An activation (also called Swish): a smooth version of ReLU. It has no weights."),
    "Hardswish": tr_later("An activation: a fast approximation of Swish used by MobileNetV3. It has no weights."),
    "Hardsigmoid": tr_later("A fast approximation of the sigmoid, squeezing values into 0..1. It has no weights."),
    "Sigmoid": tr_later("Squeezes values into 0..1, for example to weigh channels. It has no weights."),
    "Tanh": tr_later("Squeezes values into -1..1. It has no weights."),
    "MaxPool2d": tr_later("Keeps the largest value of each small patch, halving the image size for example. No "
                          "weights."),
    "AvgPool2d": tr_later("Averages each small patch, making the image smaller. No weights."),
    "AdaptiveAvgPool2d": tr_later("Averages each channel over the whole image, turning a feature map into one number "
                                  "per channel for the classifier. No weights."),
    "Flatten": tr_later("Turns a grid of numbers into one long list for a fully connected layer. No weights."),
    "Identity": tr_later("Passes its input on unchanged (a placeholder, for example where the old classifier was)."),
    "MultiheadAttention": tr_later("Attention: every image patch looks at every other patch and takes in what is "
                                   "relevant."),
    "StochasticDepth": tr_later("During training, skips a whole block at random, which makes deep models generalise "
                                "better."),
    "SqueezeExcitation": tr_later("Weighs the channels by how useful they are for this image "
                                  "(squeeze-and-excitation)."),
    "Conv2dNormActivation": tr_later("A convolution followed by normalisation and an activation: the basic building "
                                     "block."),
    "BasicConv2d": tr_later("A convolution followed by batch normalisation and ReLU."),
    "BasicBlock": tr_later("A residual block: two convolutions whose result is added to the block's input, so that "
                           "deep models still train well (ResNet-18 and -34)."),
    "Bottleneck": tr_later("A residual block of three convolutions (narrow, 3x3, wide) whose result is added to its "
                           "input (ResNet-50 and larger)."),
    "InvertedResidual": tr_later("MobileNet's block: widen, filter each channel, narrow again, and add the input "
                                 "back."),
    "_InvertedResidual": tr_later("MNASNet's block: widen, filter each channel, narrow again, and add the input back."),
    "MBConv": tr_later("EfficientNet's block: widen, filter each channel, weigh channels, narrow again, add the "
                       "input back."),
    "FusedMBConv": tr_later("EfficientNetV2's faster block: one convolution to widen and filter, then narrow again."),
    "CNBlock": tr_later("ConvNeXt's block: a large filter per channel, normalisation, and a small two-layer network."),
    "Fire": tr_later("SqueezeNet's block: squeeze to few channels, then expand with 1x1 and 3x3 filters."),
    "_DenseBlock": tr_later("DenseNet's block: each layer receives the outputs of all the layers before it."),
    "_DenseLayer": tr_later("One layer of a dense block: normalisation, activation and convolutions."),
    "_Transition": tr_later("Between DenseNet's blocks: fewer channels and a smaller image."),
    "Encoder": tr_later("The transformer's stack of encoder blocks, one after the other."),
    "EncoderBlock": tr_later("A transformer block: attention between image patches, then a small two-layer network."),
    "MLP": tr_later("A small network of fully connected layers."),
    "MLPBlock": tr_later("A small network of fully connected layers inside a transformer block."),
}

#: Words in a type name, for the types the table above does not have.
_TYPE_PATTERNS = (
    (r"Attention", tr_later("An attention layer: parts of the image look at other parts and take in what is "
                            "relevant.")),
    (r"Norm", tr_later("A normalisation layer: rescales its input to a steady average and spread, which keeps "
                       "training stable.")),
    (r"Conv", tr_later("A convolution layer: small filters slide over the image looking for patterns.")),
    (r"Pool", tr_later("A pooling layer: summarises small patches, making the image smaller. No weights.")),
    (r"Block|Layer|Stage|Inception|Stem|Merging", tr_later("A building block made of the layers inside it; ticking "
                                                           "it freezes all of them.")),
)

#: An example for each training option, added to the option table's plain line in the window's tooltips.
OPTION_EXAMPLES: dict[str, str] = {
    "data.val_fraction": tr_later("For example 0.2 of 500 images keeps 100 for validation."),
    "data.test_fraction": tr_later("For example 0.1 of 500 images keeps 50 for the final test."),
    "data.image_size": tr_later("For example 224 means 224x224 pixels; 128 trains about three times faster."),
    "data.augmentation": tr_later("For example Light shows each photo a little cropped and sometimes mirrored."),
    "data.group_pattern": tr_later("For example (patient\\d+) keeps patient12_a.png and patient12_b.png together."),
    "model.head_dropout": tr_later("For example 0.2 silences one in five inputs of the new output layer at each step."),
    "model.head_hidden": tr_later("For example 256 adds a layer of 256 units; 0 connects the features straight to "
                                  "the classes."),
    "optim.epochs": tr_later("For example 10 epochs on 500 images shows the model each image 10 times."),
    "optim.batch_size": tr_later("For example 32 images per step; 500 images then make 16 steps an epoch."),
    "optim.lr": tr_later("For example 0.01 for SGD or 0.001 for Adam are usual starting points."),
    "optim.optimizer": tr_later("For example SGD at 0.01, or AdamW at 0.001."),
    "optim.pretrained_lr_ratio": tr_later("For example 0.1 with a learning rate of 0.01: pretrained layers learn at "
                                          "0.001."),
    "optim.momentum": tr_later("For example 0.9 keeps nine tenths of the previous step's direction."),
    "optim.weight_decay": tr_later("For example 0.0001 is a common, gentle choice."),
    "optim.l1": tr_later("For example 0.00001 gently pushes unused weights to zero."),
    "optim.label_smoothing": tr_later("For example 0.1 teaches the model to say 90% rather than 100% for the right "
                                      "class."),
    "schedule.kind": tr_later("For example Cosine starts at the learning rate and glides down to almost zero by the "
                              "end."),
    "schedule.warmup_epochs": tr_later("For example 1 epoch of warm-up from a tenth of the rate protects pretrained "
                                       "layers."),
    "schedule.step_epochs": tr_later("For example every 10 epochs."),
    "schedule.step_gamma": tr_later("For example 0.1 turns 0.01 into 0.001."),
    "finetune.head_warmup_epochs": tr_later("For example 2: two epochs with everything pretrained frozen, then the "
                                            "rest."),
    "finetune.unfreeze_every": tr_later("For example 3: the top stage joins after 3 epochs, the next after 6."),
    "early_stopping.monitor": tr_later("For example validation loss: a model that is more sure of its right answers "
                                       "counts."),
    "early_stopping.patience": tr_later("For example 5: training stops after 5 epochs in a row without a better "
                                        "model."),
    "early_stopping.min_delta": tr_later("For example 0.01: a validation loss going from 0.50 to 0.495 does not "
                                         "count."),
    "augment.crop_scale_min": tr_later("For example 0.8 keeps at least four fifths of each image."),
    "augment.rotation": tr_later("For example 10 turns images by up to 10 degrees left or right."),
    "augment.brightness": tr_later("For example 0.2 makes images up to 20% darker or brighter."),
    "augment.contrast": tr_later("For example 0.2 changes contrast by up to 20%."),
    "augment.saturation": tr_later("For example 0.2 makes colours up to 20% weaker or stronger."),
    "augment.hue": tr_later("For example 0.05 shifts colours slightly, red towards orange."),
    "augment.erasing": tr_later("For example 0.25 blanks a patch in one image out of four."),
    "imbalance": tr_later("For example with 200 cats and 20 dogs, a dog mistake can count ten times as much."),
    "seed": tr_later("For example 0 and 1 give two different splits of the same folder."),
    "num_workers": tr_later("For example 4 processes prepare the next images while the model trains."),
    "strategy": tr_later("For example \"train only the new classifier\" suits a few hundred everyday photos."),
}


def term(key: str) -> Term:
    """The entry for ``key``, in the language spoken now; ``KeyError`` for a term the glossary does not have.

    Example:
        >>> term("gflops").name
        'GFLOPs'
    """
    entry = TERMS[key]
    return Term(tr(entry.name), tr(entry.tip))


def tip(key: str) -> str:
    """``"Name: explanation"``, as a tooltip shows it.

    Example:
        >>> tip("recall").startswith("Recall: Of the images that really are this class")
        True
    """
    entry = term(key)
    return f"{entry.name}: {entry.tip}"


def entries() -> list[tuple[str, str]]:
    """Every term and then every layer type as ``(name, explanation)``, in the language spoken now (the
    glossary command and the guide's word list).

    Example:
        >>> entries()[0]
        ('Accuracy', 'The share of images the model answers correctly. For example 45 right out of 50 images is 90%.')
    """
    return [(term(key).name, term(key).tip) for key in TERMS] + sorted(
        (name, tr(text)) for name, text in LAYER_TYPES.items())


def layer_tip(type_name: str) -> str:
    """What a layer of this type does, for the layer tree; a plain guess from its name for types not listed.

    Example:
        >>> layer_tip("BatchNorm2d").startswith("Batch normalisation")
        True
        >>> layer_tip("SwinTransformerBlockV2").startswith("A building block")
        True
    """
    if type_name in LAYER_TYPES:
        return tr(LAYER_TYPES[type_name])
    for pattern, text in _TYPE_PATTERNS:
        if re.search(pattern, type_name):
            return tr(text)
    return tr("A part of the model; what it holds is listed under it.")


def option_tip(path: str, plain_line: str) -> str:
    """An option's plain line with its example (the window's tooltip for that setting); ``plain_line`` is
    already in the language spoken now.

    Example:
        >>> print(option_tip("optim.epochs", "How many times the model sees every training image."))
        ... # doctest: +NORMALIZE_WHITESPACE
        How many times the model sees every training image. For example 10 epochs on 500 images shows the model
        each image 10 times.
    """
    example = OPTION_EXAMPLES.get(path)
    return f"{plain_line} {tr(example)}" if example else plain_line
