"""Independent reference numbers for archcalc tests (plain data, no logic).

Provenance conventions
----------------------
* TORCHVISION: the ``meta`` dict of each weights enum, read from the torchvision source at
  pytorch/vision commit f52fd335000fa4d91371e8505749cd7ce9249cf8 ("exclude expecttest==0.2.0 (#8185)",
  2023-12-28, version.txt 0.18.0a0).
    - "num_params" == sum(p.numel() for p in model_fn(weights=w).parameters())
      (test/test_extended_models.py:317-319).  parameters() = conv/linear weights + biases +
      BatchNorm weight/bias.  BatchNorm running_mean/running_var (and num_batches_tracked) are
      *buffers* and are NOT included.
    - "_ops" (shown as "GFLOPS" in the docs, 2 decimals; meta keeps 3 decimals) ==
      multiply-accumulates of aten.convolution / addmm / mm / matmul only, divided by 1e9 and
      rounded to 3 decimals (test/common_extended_utils.py:59, 98, 303).  conv = N*prod(w_shape)*
      H_out*W_out (w_shape already has C_in/groups), linear = in*out; biases, BN, pooling,
      activations, SE scaling multiplies are NOT counted.  The model runs in eval() mode
      (line 291) so auxiliary heads are NOT run and NOT counted in _ops.  The input is
      torch.randn(1,3,512,512) passed through weights.transforms() (line 284) => the network
      actually sees crop_size x crop_size.  That crop size is the "input" recorded below.
* KERAS: exact totals are Keras ``model.summary()`` "Total params" = trainable + non-trainable
  (BatchNorm moving_mean/moving_variance, and for EfficientNet the 7 weights of the input
  Normalization layer).  Exact integers come from the Keras documentation table:
    - keras-team/keras@1a3ee8441933fc007be6b2beb47af67998d50737 docs/templates/applications.md
      (Keras 2.x docs, last version before the legacy docs were deleted in Oct 2020), and
    - keras-team/keras-io@01b6d6c4c4ef2c7975be4c42ac148db57352d978 templates/api/applications/index.md
      (same table + EfficientNetB0-B7 rows).
  The current keras.io/api/applications page shows only rounded values ("22.9M").
  "trainable"/"non_trainable" are NOT published by Keras; they were derived
  by re-counting the layer graph of keras-team/keras@3422977a keras/src/applications/*.py and
  reproduce every published total exactly (see architecture_details.md).
* PAPERS: values exactly as printed.  "verified" says where the printed value was seen in a
  stored copy; "recalled" means it is the well-known printed value but no
  stored copy of the paper table was available to re-read - treat those as lower confidence.
"""

_TV = "pytorch/vision@f52fd335 "
_TV_VIDEO = "torchvision/models/video/ (3-decimal _ops revision) "
_TV_SEG = "torchvision/models/segmentation/ (3-decimal _ops revision) "
_TV_CONVNEXT = "torchvision/models/convnext.py (3-decimal _ops revision) "
_TV_EFFV2 = "torchvision/models/efficientnet.py (3-decimal _ops revision) "
_TV_REGNET = "pytorch/vision torchvision/models/regnet.py (3-decimal _ops revision) "

# ---------------------------------------------------------------------------------------------
# torchvision: exact num_params, _ops (GMACs labelled GFLOPS), crop size used for _ops.
# "input" = (C, H, W) actually fed to the network when _ops was measured (= transforms crop_size).
# "resize" = resize_size of the eval transform (irrelevant for counting, recorded for completeness).
# ---------------------------------------------------------------------------------------------
TORCHVISION = {
    "alexnet": {"params": 61100840, "gflops": 0.714, "input": (3, 224, 224), "resize": 256,
                "min_size": (63, 63),
                "source": _TV + "torchvision/models/alexnet.py AlexNet_Weights.IMAGENET1K_V1 meta num_params/_ops"},
    "vgg11": {"params": 132863336, "gflops": 7.609, "input": (3, 224, 224), "resize": 256, "min_size": (32, 32),
              "source": _TV + "torchvision/models/vgg.py VGG11_Weights.IMAGENET1K_V1"},
    "vgg11_bn": {"params": 132868840, "gflops": 7.609, "input": (3, 224, 224), "resize": 256, "min_size": (32, 32),
                 "source": _TV + "torchvision/models/vgg.py VGG11_BN_Weights.IMAGENET1K_V1"},
    "vgg13": {"params": 133047848, "gflops": 11.308, "input": (3, 224, 224), "resize": 256, "min_size": (32, 32),
              "source": _TV + "torchvision/models/vgg.py VGG13_Weights.IMAGENET1K_V1"},
    "vgg13_bn": {"params": 133053736, "gflops": 11.308, "input": (3, 224, 224), "resize": 256, "min_size": (32, 32),
                 "source": _TV + "torchvision/models/vgg.py VGG13_BN_Weights.IMAGENET1K_V1"},
    "vgg16": {"params": 138357544, "gflops": 15.47, "input": (3, 224, 224), "resize": 256, "min_size": (32, 32),
              "source": _TV + "torchvision/models/vgg.py VGG16_Weights.IMAGENET1K_V1 (IMAGENET1K_FEATURES has the same numbers)"},
    "vgg16_bn": {"params": 138365992, "gflops": 15.47, "input": (3, 224, 224), "resize": 256, "min_size": (32, 32),
                 "source": _TV + "torchvision/models/vgg.py VGG16_BN_Weights.IMAGENET1K_V1"},
    "vgg19": {"params": 143667240, "gflops": 19.632, "input": (3, 224, 224), "resize": 256, "min_size": (32, 32),
              "source": _TV + "torchvision/models/vgg.py VGG19_Weights.IMAGENET1K_V1"},
    "vgg19_bn": {"params": 143678248, "gflops": 19.632, "input": (3, 224, 224), "resize": 256, "min_size": (32, 32),
                 "source": _TV + "torchvision/models/vgg.py VGG19_BN_Weights.IMAGENET1K_V1"},
    "googlenet": {"params": 6624904, "gflops": 1.498, "input": (3, 224, 224), "resize": 256, "min_size": (15, 15),
                  "includes_aux": False,
                  "source": _TV + "torchvision/models/googlenet.py GoogLeNet_Weights.IMAGENET1K_V1",
                  "note": "googlenet(weights=...) builds with aux heads, loads, then deletes aux1/aux2 unless the caller "
                          "passed aux_logits=True (googlenet.py:324,336-339) -> published count EXCLUDES aux heads "
                          "(6,379,984 params). googlenet(weights=None) keeps them (class default aux_logits=True): "
                          "13,004,888 params."},
    "inception_v3": {"params": 27161264, "gflops": 5.713, "input": (3, 299, 299), "resize": 342, "min_size": (75, 75),
                     "includes_aux": True,
                     "source": _TV + "torchvision/models/inception.py Inception_V3_Weights.IMAGENET1K_V1",
                     "note": "inception_v3() defaults original_aux_logits=True (inception.py:462) so the AuxLogits head "
                             "(3,326,696 params) is KEPT -> num_params INCLUDES aux; without it 23,834,568. "
                             "_ops excludes aux (eval mode)."},
    "resnet18": {"params": 11689512, "gflops": 1.814, "input": (3, 224, 224), "resize": 256,
                 "source": _TV + "torchvision/models/resnet.py ResNet18_Weights.IMAGENET1K_V1"},
    "resnet34": {"params": 21797672, "gflops": 3.664, "input": (3, 224, 224), "resize": 256,
                 "source": _TV + "torchvision/models/resnet.py ResNet34_Weights.IMAGENET1K_V1"},
    "resnet50": {"params": 25557032, "gflops": 4.089, "input": (3, 224, 224), "resize": 256,
                 "source": _TV + "torchvision/models/resnet.py ResNet50_Weights.IMAGENET1K_V1 (V2: same numbers, resize 232)"},
    "resnet101": {"params": 44549160, "gflops": 7.801, "input": (3, 224, 224), "resize": 256,
                  "source": _TV + "torchvision/models/resnet.py ResNet101_Weights.IMAGENET1K_V1 (V2 same)"},
    "resnet152": {"params": 60192808, "gflops": 11.514, "input": (3, 224, 224), "resize": 256,
                  "source": _TV + "torchvision/models/resnet.py ResNet152_Weights.IMAGENET1K_V1 (V2 same)"},
    "wide_resnet50_2": {"params": 68883240, "gflops": 11.398, "input": (3, 224, 224), "resize": 256,
                        "source": _TV + "torchvision/models/resnet.py Wide_ResNet50_2_Weights.IMAGENET1K_V1 (V2 same)"},
    "wide_resnet101_2": {"params": 126886696, "gflops": 22.753, "input": (3, 224, 224), "resize": 256,
                         "source": _TV + "torchvision/models/resnet.py Wide_ResNet101_2_Weights.IMAGENET1K_V1 (V2 same)"},
    "resnext50_32x4d": {"params": 25028904, "gflops": 4.23, "input": (3, 224, 224), "resize": 256,
                        "source": _TV + "torchvision/models/resnet.py ResNeXt50_32X4D_Weights.IMAGENET1K_V1 (V2 same)"},
    "resnext101_32x8d": {"params": 88791336, "gflops": 16.414, "input": (3, 224, 224), "resize": 256,
                         "source": _TV + "torchvision/models/resnet.py ResNeXt101_32X8D_Weights.IMAGENET1K_V1 (V2 same)"},
    "resnext101_64x4d": {"params": 83455272, "gflops": 15.46, "input": (3, 224, 224), "resize": 232,
                         "source": _TV + "torchvision/models/resnet.py ResNeXt101_64X4D_Weights.IMAGENET1K_V1 (only weights)"},
    "densenet121": {"params": 7978856, "gflops": 2.834, "input": (3, 224, 224), "resize": 256, "min_size": (29, 29),
                    "source": _TV + "torchvision/models/densenet.py DenseNet121_Weights.IMAGENET1K_V1"},
    "densenet161": {"params": 28681000, "gflops": 7.728, "input": (3, 224, 224), "resize": 256, "min_size": (29, 29),
                    "source": _TV + "torchvision/models/densenet.py DenseNet161_Weights.IMAGENET1K_V1"},
    "densenet169": {"params": 14149480, "gflops": 3.36, "input": (3, 224, 224), "resize": 256, "min_size": (29, 29),
                    "source": _TV + "torchvision/models/densenet.py DenseNet169_Weights.IMAGENET1K_V1"},
    "densenet201": {"params": 20013928, "gflops": 4.291, "input": (3, 224, 224), "resize": 256, "min_size": (29, 29),
                    "source": _TV + "torchvision/models/densenet.py DenseNet201_Weights.IMAGENET1K_V1"},
    "squeezenet1_0": {"params": 1248424, "gflops": 0.819, "input": (3, 224, 224), "resize": 256, "min_size": (21, 21),
                      "source": _TV + "torchvision/models/squeezenet.py SqueezeNet1_0_Weights.IMAGENET1K_V1"},
    "squeezenet1_1": {"params": 1235496, "gflops": 0.349, "input": (3, 224, 224), "resize": 256, "min_size": (17, 17),
                      "source": _TV + "torchvision/models/squeezenet.py SqueezeNet1_1_Weights.IMAGENET1K_V1"},
    "mobilenet_v2": {"params": 3504872, "gflops": 0.301, "input": (3, 224, 224), "resize": 256,
                     "source": _TV + "torchvision/models/mobilenetv2.py _COMMON_META num_params + MobileNet_V2_Weights.IMAGENET1K_V1 _ops (V2 same)"},
    "mobilenet_v3_large": {"params": 5483032, "gflops": 0.217, "input": (3, 224, 224), "resize": 256,
                           "source": _TV + "torchvision/models/mobilenetv3.py MobileNet_V3_Large_Weights.IMAGENET1K_V1 (V2 same)"},
    "mobilenet_v3_small": {"params": 2542856, "gflops": 0.057, "input": (3, 224, 224), "resize": 256,
                           "source": _TV + "torchvision/models/mobilenetv3.py MobileNet_V3_Small_Weights.IMAGENET1K_V1"},
    "shufflenet_v2_x0_5": {"params": 1366792, "gflops": 0.04, "input": (3, 224, 224), "resize": 256,
                           "source": _TV + "torchvision/models/shufflenetv2.py ShuffleNet_V2_X0_5_Weights.IMAGENET1K_V1"},
    "shufflenet_v2_x1_0": {"params": 2278604, "gflops": 0.145, "input": (3, 224, 224), "resize": 256,
                           "source": _TV + "torchvision/models/shufflenetv2.py ShuffleNet_V2_X1_0_Weights.IMAGENET1K_V1"},
    "shufflenet_v2_x1_5": {"params": 3503624, "gflops": 0.296, "input": (3, 224, 224), "resize": 232,
                           "source": _TV + "torchvision/models/shufflenetv2.py ShuffleNet_V2_X1_5_Weights.IMAGENET1K_V1"},
    "shufflenet_v2_x2_0": {"params": 7393996, "gflops": 0.583, "input": (3, 224, 224), "resize": 232,
                           "source": _TV + "torchvision/models/shufflenetv2.py ShuffleNet_V2_X2_0_Weights.IMAGENET1K_V1"},
    "mnasnet0_5": {"params": 2218512, "gflops": 0.104, "input": (3, 224, 224), "resize": 256,
                   "source": _TV + "torchvision/models/mnasnet.py MNASNet0_5_Weights.IMAGENET1K_V1"},
    "mnasnet0_75": {"params": 3170208, "gflops": 0.215, "input": (3, 224, 224), "resize": 232,
                    "source": _TV + "torchvision/models/mnasnet.py MNASNet0_75_Weights.IMAGENET1K_V1"},
    "mnasnet1_0": {"params": 4383312, "gflops": 0.314, "input": (3, 224, 224), "resize": 256,
                   "source": _TV + "torchvision/models/mnasnet.py MNASNet1_0_Weights.IMAGENET1K_V1"},
    "mnasnet1_3": {"params": 6282256, "gflops": 0.526, "input": (3, 224, 224), "resize": 232,
                   "source": _TV + "torchvision/models/mnasnet.py MNASNet1_3_Weights.IMAGENET1K_V1"},
    # EfficientNet: NOTE the _ops input differs per variant (crop_size of the weights' transforms).
    # torchvision B2 uses 288 (not the paper/Keras 260).
    "efficientnet_b0": {"params": 5288548, "gflops": 0.386, "input": (3, 224, 224), "resize": 256,
                        "source": _TV + "torchvision/models/efficientnet.py EfficientNet_B0_Weights.IMAGENET1K_V1"},
    "efficientnet_b1": {"params": 7794184, "gflops": 0.687, "input": (3, 240, 240), "resize": 256,
                        "source": _TV + "torchvision/models/efficientnet.py EfficientNet_B1_Weights.IMAGENET1K_V1 (V2: resize 255, same numbers)"},
    "efficientnet_b2": {"params": 9109994, "gflops": 1.088, "input": (3, 288, 288), "resize": 288,
                        "source": _TV + "torchvision/models/efficientnet.py EfficientNet_B2_Weights.IMAGENET1K_V1"},
    "efficientnet_b3": {"params": 12233232, "gflops": 1.827, "input": (3, 300, 300), "resize": 320,
                        "source": _TV + "torchvision/models/efficientnet.py EfficientNet_B3_Weights.IMAGENET1K_V1"},
    "efficientnet_b4": {"params": 19341616, "gflops": 4.394, "input": (3, 380, 380), "resize": 384,
                        "source": _TV + "torchvision/models/efficientnet.py EfficientNet_B4_Weights.IMAGENET1K_V1"},
    "efficientnet_b5": {"params": 30389784, "gflops": 10.266, "input": (3, 456, 456), "resize": 456,
                        "source": _TV + "torchvision/models/efficientnet.py EfficientNet_B5_Weights.IMAGENET1K_V1"},
    "efficientnet_b6": {"params": 43040704, "gflops": 19.068, "input": (3, 528, 528), "resize": 528,
                        "source": _TV + "torchvision/models/efficientnet.py EfficientNet_B6_Weights.IMAGENET1K_V1"},
    "efficientnet_b7": {"params": 66347960, "gflops": 37.746, "input": (3, 600, 600), "resize": 600,
                        "source": _TV + "torchvision/models/efficientnet.py EfficientNet_B7_Weights.IMAGENET1K_V1"},
    # Video (inputs C×T×H×W): torchvision/models/video/{resnet,s3d}.py *_Weights.KINETICS400_V1 meta (3-decimal _ops
    # revision; architecture from pytorch/vision@0614eaca torchvision/models/video/resnet.py and the s3d.py revision read).
    # _ops is measured on a 16-frame clip at the weights' crop size (VideoClassification crop 112 / 224).
    "r3d_18": {"params": 33371472, "gflops": 40.697, "input": (3, 16, 112, 112), "resize": (128, 171),
               "source": _TV_VIDEO + "resnet.py R3D_18_Weights.KINETICS400_V1"},
    "mc3_18": {"params": 11695440, "gflops": 43.343, "input": (3, 16, 112, 112), "resize": (128, 171),
               "source": _TV_VIDEO + "resnet.py MC3_18_Weights.KINETICS400_V1"},
    "r2plus1d_18": {"params": 31505325, "gflops": 40.519, "input": (3, 16, 112, 112), "resize": (128, 171),
                    "source": _TV_VIDEO + "resnet.py R2Plus1D_18_Weights.KINETICS400_V1"},
    "s3d": {"params": 8320048, "gflops": 17.979, "input": (3, 16, 224, 224), "resize": (256, 256),
            "source": _TV_VIDEO + "s3d.py S3D_Weights.KINETICS400_V1"},
    # Segmentation: torchvision/models/segmentation/{fcn,deeplabv3,lraspp}.py *_Weights.COCO_WITH_VOC_LABELS_V1 meta
    # (3-decimal _ops revision).  SemanticSegmentation(resize_size=520) turns the 512×512 probe into 520×520.  The
    # builders set aux_loss=True for these weights, so num_params includes the auxiliary FCNHead, and since the
    # segmentation models run their aux head in eval mode too, so does _ops (LR-ASPP has none).
    "fcn_resnet50": {"params": 35322218, "gflops": 152.717, "input": (3, 520, 520), "resize": 520, "includes_aux": True,
                     "source": _TV_SEG + "fcn.py FCN_ResNet50_Weights.COCO_WITH_VOC_LABELS_V1"},
    "fcn_resnet101": {"params": 54314346, "gflops": 232.738, "input": (3, 520, 520), "resize": 520, "includes_aux": True,
                      "source": _TV_SEG + "fcn.py FCN_ResNet101_Weights.COCO_WITH_VOC_LABELS_V1"},
    "deeplabv3_resnet50": {"params": 42004074, "gflops": 178.722, "input": (3, 520, 520), "resize": 520,
                           "includes_aux": True,
                           "source": _TV_SEG + "deeplabv3.py DeepLabV3_ResNet50_Weights.COCO_WITH_VOC_LABELS_V1"},
    "deeplabv3_resnet101": {"params": 60996202, "gflops": 258.743, "input": (3, 520, 520), "resize": 520,
                            "includes_aux": True,
                            "source": _TV_SEG + "deeplabv3.py DeepLabV3_ResNet101_Weights.COCO_WITH_VOC_LABELS_V1"},
    "deeplabv3_mobilenet_v3_large": {"params": 11029328, "gflops": 10.452, "input": (3, 520, 520), "resize": 520,
                                     "includes_aux": True,
                                     "source": _TV_SEG + "deeplabv3.py DeepLabV3_MobileNet_V3_Large_Weights."
                                                         "COCO_WITH_VOC_LABELS_V1"},
    "lraspp_mobilenet_v3_large": {"params": 3221538, "gflops": 2.086, "input": (3, 520, 520), "resize": 520,
                                  "includes_aux": False,
                                  "source": _TV_SEG + "lraspp.py LRASPP_MobileNet_V3_Large_Weights.COCO_WITH_VOC_LABELS_V1"},
    # ConvNeXt: torchvision/models/convnext.py ConvNeXt_*_Weights.IMAGENET1K_V1 meta (3-decimal _ops revision; the
    # architecture, CNBlock and block_setting, from the same file).  _ops counts the channels-last Linear layers'
    # matmuls over every position (= 1x1 convolutions).
    "convnext_tiny": {"params": 28589128, "gflops": 4.456, "input": (3, 224, 224), "resize": 236,
                      "source": _TV_CONVNEXT + "ConvNeXt_Tiny_Weights.IMAGENET1K_V1"},
    "convnext_small": {"params": 50223688, "gflops": 8.684, "input": (3, 224, 224), "resize": 230,
                       "source": _TV_CONVNEXT + "ConvNeXt_Small_Weights.IMAGENET1K_V1"},
    "convnext_base": {"params": 88591464, "gflops": 15.355, "input": (3, 224, 224), "resize": 232,
                      "source": _TV_CONVNEXT + "ConvNeXt_Base_Weights.IMAGENET1K_V1"},
    "convnext_large": {"params": 197767336, "gflops": 34.361, "input": (3, 224, 224), "resize": 232,
                       "source": _TV_CONVNEXT + "ConvNeXt_Large_Weights.IMAGENET1K_V1"},
    # EfficientNetV2: read from a stored copy of torchvision/models/efficientnet.py with 3-decimal _ops (the
    # pytorch/vision copy stored here, 07a929e8, has the older 1-decimal _ops: 8.4 / 24.6 / 56.1, consistent).
    # Architecture (_efficientnet_conf "efficientnet_v2_s/m/l", BatchNorm eps 1e-3) from pytorch/vision@07a929e8.
    "efficientnet_v2_s": {"params": 21458488, "gflops": 8.366, "input": (3, 384, 384), "resize": 384,
                          "source": _TV_EFFV2 + "EfficientNet_V2_S_Weights.IMAGENET1K_V1"},
    "efficientnet_v2_m": {"params": 54139356, "gflops": 24.582, "input": (3, 480, 480), "resize": 480,
                          "source": _TV_EFFV2 + "EfficientNet_V2_M_Weights.IMAGENET1K_V1"},
    "efficientnet_v2_l": {"params": 118515272, "gflops": 56.08, "input": (3, 480, 480), "resize": 480,
                          "source": _TV_EFFV2 + "EfficientNet_V2_L_Weights.IMAGENET1K_V1 (ported from google/automl)"},
    # RegNet: read from the stored pytorch/vision torchvision/models/regnet.py revision that carries 3-decimal _ops
    # and "_file_size" (the same meta format as f52fd335; the stored copy is not tied to a commit id here).
    # IMAGENET1K_V1 and V2 publish the same numbers; the design points (depth, w_0, w_a, w_m, group_width, se_ratio)
    # come from the regnet_* builders of the same file (also at pytorch/vision@90a8f703).
    "regnet_x_400mf": {"params": 5495976, "gflops": 0.414, "input": (3, 224, 224), "resize": 256,
                       "source": _TV_REGNET + "RegNet_X_400MF_Weights.IMAGENET1K_V1 (V2 same, resize 232)"},
    "regnet_x_800mf": {"params": 7259656, "gflops": 0.8, "input": (3, 224, 224), "resize": 256,
                       "source": _TV_REGNET + "RegNet_X_800MF_Weights.IMAGENET1K_V1 (V2 same, resize 232)"},
    "regnet_x_1_6gf": {"params": 9190136, "gflops": 1.603, "input": (3, 224, 224), "resize": 256,
                       "source": _TV_REGNET + "RegNet_X_1_6GF_Weights.IMAGENET1K_V1 (V2 same, resize 232)"},
    "regnet_x_3_2gf": {"params": 15296552, "gflops": 3.177, "input": (3, 224, 224), "resize": 256,
                       "source": _TV_REGNET + "RegNet_X_3_2GF_Weights.IMAGENET1K_V1 (V2 same, resize 232)"},
    "regnet_x_8gf": {"params": 39572648, "gflops": 7.995, "input": (3, 224, 224), "resize": 256,
                     "source": _TV_REGNET + "RegNet_X_8GF_Weights.IMAGENET1K_V1 (V2 same, resize 232)"},
    "regnet_x_16gf": {"params": 54278536, "gflops": 15.941, "input": (3, 224, 224), "resize": 256,
                      "source": _TV_REGNET + "RegNet_X_16GF_Weights.IMAGENET1K_V1 (V2 same, resize 232)"},
    "regnet_x_32gf": {"params": 107811560, "gflops": 31.736, "input": (3, 224, 224), "resize": 256,
                      "source": _TV_REGNET + "RegNet_X_32GF_Weights.IMAGENET1K_V1 (V2 same, resize 232)"},
    "regnet_y_400mf": {"params": 4344144, "gflops": 0.402, "input": (3, 224, 224), "resize": 256,
                       "source": _TV_REGNET + "RegNet_Y_400MF_Weights.IMAGENET1K_V1 (V2 same, resize 232)"},
    "regnet_y_800mf": {"params": 6432512, "gflops": 0.834, "input": (3, 224, 224), "resize": 256,
                       "source": _TV_REGNET + "RegNet_Y_800MF_Weights.IMAGENET1K_V1 (V2 same, resize 232)"},
    "regnet_y_1_6gf": {"params": 11202430, "gflops": 1.612, "input": (3, 224, 224), "resize": 256,
                       "source": _TV_REGNET + "RegNet_Y_1_6GF_Weights.IMAGENET1K_V1 (V2 same, resize 232)"},
    "regnet_y_3_2gf": {"params": 19436338, "gflops": 3.176, "input": (3, 224, 224), "resize": 256,
                       "source": _TV_REGNET + "RegNet_Y_3_2GF_Weights.IMAGENET1K_V1 (V2 same, resize 232)"},
    "regnet_y_8gf": {"params": 39381472, "gflops": 8.473, "input": (3, 224, 224), "resize": 256,
                     "source": _TV_REGNET + "RegNet_Y_8GF_Weights.IMAGENET1K_V1 (V2 same, resize 232)"},
    "regnet_y_16gf": {"params": 83590140, "gflops": 15.912, "input": (3, 224, 224), "resize": 256,
                      "source": _TV_REGNET + "RegNet_Y_16GF_Weights.IMAGENET1K_V1 (V2 same, resize 232)"},
    "regnet_y_32gf": {"params": 145046770, "gflops": 32.28, "input": (3, 224, 224), "resize": 256,
                      "source": _TV_REGNET + "RegNet_Y_32GF_Weights.IMAGENET1K_V1 (V2 same, resize 232)"},
    # Only SWAG weights; DEFAULT = IMAGENET1K_SWAG_E2E_V1, crop 384 (bicubic resize 384).
    "regnet_y_128gf": {"params": 644812894, "gflops": 374.57, "input": (3, 384, 384), "resize": 384,
                       "source": _TV_REGNET + "RegNet_Y_128GF_Weights.IMAGENET1K_SWAG_E2E_V1 (DEFAULT)"},
}

# The same networks' figures for other weights, measured at those weights' crop size:
# (model, input, gflops, source).  num_params is the same as in TORCHVISION.
TORCHVISION_OTHER_WEIGHTS = [
    ("regnet_y_16gf", (3, 384, 384), 46.735, _TV_REGNET + "RegNet_Y_16GF_Weights.IMAGENET1K_SWAG_E2E_V1 (crop 384)"),
    ("regnet_y_32gf", (3, 384, 384), 94.826, _TV_REGNET + "RegNet_Y_32GF_Weights.IMAGENET1K_SWAG_E2E_V1 (crop 384)"),
    ("regnet_y_128gf", (3, 224, 224), 127.518,
     _TV_REGNET + "RegNet_Y_128GF_Weights.IMAGENET1K_SWAG_LINEAR_V1 (crop 224)"),
]

# ---------------------------------------------------------------------------------------------
# Keras applications.  params_total = published exact "Parameters" (summary Total params).
# trainable / non_trainable: derived here (Keras does not publish them); they sum to the total.
# rounded = the rounded figure shown on the current keras.io table / keras-applications README.
# input = default input (H, W, C) of the builder.  MACs are not published by Keras.
# ---------------------------------------------------------------------------------------------
_K_DOCS = "keras-team/keras@1a3ee844 docs/templates/applications.md table 'Parameters'"
_K_IO = "keras-team/keras-io@01b6d6c4 templates/api/applications/index.md table 'Parameters'"
_K_README = "keras-team/keras-applications@bc89834e README.md column 'Size' (rounded params, include_top=True)"

KERAS = {
    "Xception": {"params_total": 22910480, "trainable": 22855952, "non_trainable": 54528, "rounded": "22.9M",
                 "input": (299, 299, 3), "source": _K_DOCS + "; same in " + _K_IO,
                 "note": "trainable 22,855,952 equals the Xception paper's Table 3 count (independent confirmation)."},
    "VGG16": {"params_total": 138357544, "trainable": 138357544, "non_trainable": 0, "rounded": "138.4M",
              "input": (224, 224, 3), "source": _K_DOCS},
    "VGG19": {"params_total": 143667240, "trainable": 143667240, "non_trainable": 0, "rounded": "143.7M",
              "input": (224, 224, 3), "source": _K_DOCS},
    "ResNet50": {"params_total": 25636712, "trainable": 25583592, "non_trainable": 53120, "rounded": "25.6M",
                 "input": (224, 224, 3), "source": _K_DOCS,
                 "note": "Keras ResNet50 convs HAVE biases (use_bias=True) and stride sits on the first 1x1 (v1); "
                         "= torchvision 25,557,032 + 26,560 conv biases + 53,120 BN moving stats."},
    "ResNet101": {"params_total": 44707176, "trainable": 44601832, "non_trainable": 105344, "rounded": "44.7M",
                  "input": (224, 224, 3), "source": _K_DOCS},
    "ResNet152": {"params_total": 60419944, "trainable": 60268520, "non_trainable": 151424, "rounded": "60.4M",
                  "input": (224, 224, 3), "source": _K_DOCS},
    "InceptionV3": {"params_total": 23851784, "trainable": 23817352, "non_trainable": 34432, "rounded": "23.9M",
                    "input": (299, 299, 3), "source": _K_DOCS,
                    "note": "no aux head; BN(scale=False) -> no gamma. = torchvision no-aux 23,834,568 - 17,216 gamma + 34,432 moving stats."},
    "InceptionResNetV2": {"params_total": 55873736, "trainable": 55813192, "non_trainable": 60544, "rounded": "55.9M",
                          "input": (299, 299, 3), "source": _K_DOCS},
    "MobileNet": {"params_total": 4253864, "trainable": 4231976, "non_trainable": 21888, "rounded": "4.3M",
                  "input": (224, 224, 3), "source": _K_DOCS, "note": "alpha=1.0, depth_multiplier=1; classifier is a 1x1 Conv2D with bias."},
    "MobileNetV2": {"params_total": 3538984, "trainable": 3504872, "non_trainable": 34112, "rounded": "3.5M",
                    "input": (224, 224, 3), "source": _K_DOCS,
                    "note": "trainable equals torchvision mobilenet_v2 num_params 3,504,872 (derived: 3,538,984 - 34,112)."},
    "DenseNet121": {"params_total": 8062504, "trainable": 7978856, "non_trainable": 83648, "rounded": "8.1M",
                    "input": (224, 224, 3), "source": _K_DOCS},
    "DenseNet169": {"params_total": 14307880, "trainable": 14149480, "non_trainable": 158400, "rounded": "14.3M",
                    "input": (224, 224, 3), "source": _K_DOCS},
    "DenseNet201": {"params_total": 20242984, "trainable": 20013928, "non_trainable": 229056, "rounded": "20.2M",
                    "input": (224, 224, 3), "source": _K_DOCS},
    "NASNetMobile": {"params_total": 5326716, "trainable": 5289978, "non_trainable": 36738, "rounded": "5.3M",
                     "input": (224, 224, 3), "source": _K_DOCS,
                     "note": "keras-applications README prints 'Size 7.7M' for NASNetMobile (and 93.5M for NASNetLarge) - "
                             "inconsistent with the exact docs counts; treat the README value as an erratum."},
    "NASNetLarge": {"params_total": 88949818, "rounded": None, "input": (331, 331, 3), "source": _K_DOCS,
                    "note": "trainable split not derived; keras-applications README 'Size' says 93.5M (erratum)."},
    "EfficientNetB0": {"params_total": 5330571, "trainable": 5288548, "non_trainable": 42023, "rounded": "5.3M",
                       "input": (224, 224, 3), "source": _K_IO,
                       "note": "non_trainable = BN moving stats 42,016 + input Normalization layer mean(3)+variance(3)+count(1)=7."},
    "EfficientNetB1": {"params_total": 7856239, "trainable": 7794184, "non_trainable": 62055, "rounded": "7.9M",
                       "input": (240, 240, 3), "source": _K_IO},
    "EfficientNetB2": {"params_total": 9177569, "trainable": 9109994, "non_trainable": 67575, "rounded": "9.2M",
                       "input": (260, 260, 3), "source": _K_IO},
    "EfficientNetB3": {"params_total": 12320535, "trainable": 12233232, "non_trainable": 87303, "rounded": "12.3M",
                       "input": (300, 300, 3), "source": _K_IO},
    "EfficientNetB4": {"params_total": 19466823, "trainable": 19341616, "non_trainable": 125207, "rounded": "19.5M",
                       "input": (380, 380, 3), "source": _K_IO},
    "EfficientNetB5": {"params_total": 30562527, "trainable": 30389784, "non_trainable": 172743, "rounded": "30.6M",
                       "input": (456, 456, 3), "source": _K_IO},
    "EfficientNetB6": {"params_total": 43265143, "trainable": 43040704, "non_trainable": 224439, "rounded": "43.3M",
                       "input": (528, 528, 3), "source": _K_IO},
    "EfficientNetB7": {"params_total": 66658687, "trainable": 66347960, "non_trainable": 310727, "rounded": "66.7M",
                       "input": (600, 600, 3), "source": _K_IO},
}
# Rounded values: Xception..NASNetMobile as shown on keras.io/api/applications (current table);
# EfficientNet and DenseNet169/201 rounded values from _K_README (they equal round(total/1e6, 1)).

# ---------------------------------------------------------------------------------------------
# Papers: value as printed.  unit: "params" | "mult-adds" | "GFLOPs" (= multiply-adds in these
# papers) | "MFLOPs" (ShuffleNet: "FLOPs = number of multiply-adds").
# ---------------------------------------------------------------------------------------------
PAPERS = {
    # --- ResNet (He et al. 2015, arXiv 1512.03385) -------------------------------------------
    "resnet_cifar10_params": {
        "values": {"ResNet-20": "0.27M", "ResNet-32": "0.46M", "ResNet-44": "0.66M", "ResNet-56": "0.85M",
                   "ResNet-110": "1.7M", "ResNet-1202": "19.4M"},
        "unit": "params", "paper": "He et al. 2015, Deep Residual Learning", "table": "Table 6 (CIFAR-10)",
        "verified": "values reproduced in akamaster/pytorch_resnet_cifar10@d5489e89 README.md table '# params' "
                    "next to the paper's test errors",
        "derived_exact": {"ResNet-20": 269722, "ResNet-32": 464154, "ResNet-44": 658586, "ResNet-56": 853018,
                          "ResNet-110": 1727962, "ResNet-1202": 19421274},
        "derived_note": "option-A (zero-pad, parameter-free) shortcuts, convs without bias, BN affine, FC 64->10 with bias "
                        "(akamaster resnet.py); counts exclude BN running stats"},
    "resnet_imagenet_flops": {
        "values": {"18-layer": "1.8x10^9", "34-layer": "3.6x10^9", "50-layer": "3.8x10^9",
                   "101-layer": "7.6x10^9", "152-layer": "11.3x10^9"},
        "unit": "FLOPs (multiply-adds)", "paper": "He et al. 2015", "table": "Table 1",
        "verified": "recalled", "note": "original ResNet (stride 2 on the first 1x1 of the bottleneck); derived "
                                        "v1 MACs 3,857,973,248 / 7,570,194,432 / 11,282,415,616 for 50/101/152"},
    # --- Identity mappings / pre-activation ResNet (He et al. 2016, arXiv 1603.05027) ---------
    "preact_resnet164": {"value": "1.7M", "unit": "params", "paper": "He et al. 2016, Identity Mappings",
                         "table": "CIFAR results table (Table 2/3, recalled)",
                         "verified": "exact 1,703,258 logged by szagoruyko/wide-residual-networks@ae6d0d05 "
                                     "logs/resnet-pre-act_17934627/log.txt ('Network has 1703258 parameters', CIFAR-10, "
                                     "models/resnet-pre-act.lua, conv bias disabled)"},
    "preact_resnet1001": {"value": "10.2M", "unit": "params", "paper": "He et al. 2016", "table": "(recalled)",
                          "verified": "recalled",
                          "note": "same lua definition gives 10,327,706 (derived) - does not round to 10.2M; "
                                  "printed value kept as-is"},
    # --- Wide ResNet (Zagoruyko & Komodakis 2016, arXiv 1605.07146) ---------------------------
    "wrn_28_10": {"value": "36.5M", "unit": "params", "paper": "Zagoruyko & Komodakis 2016, Wide Residual Networks",
                  "table": "CIFAR comparison table (recalled)", "verified": "recalled; derived exact 36,479,194 (CIFAR-10) / "
                  "36,536,884 (CIFAR-100) from models/wide-resnet.lua"},
    "wrn_40_4": {"value": "8.9M", "unit": "params", "paper": "Zagoruyko & Komodakis 2016", "table": "(recalled)",
                 "verified": "exact 8,949,210 logged in szagoruyko/wide-residual-networks@ae6d0d05 "
                             "logs/wide-resnet_1121914561/log.txt (CIFAR-10)"},
    "wrn_16_8": {"value": "11.0M", "unit": "params", "paper": "Zagoruyko & Komodakis 2016", "table": "(recalled)",
                 "verified": "recalled; derived 10,961,370 (CIFAR-10)"},
    # --- NiN, FractalNet, stochastic depth (as listed in DenseNet paper Table 2) ---------------
    "nin_cifar": {"value": None, "unit": "params", "paper": "Lin et al. 2013, Network in Network",
                  "table": "no parameter count printed (DenseNet Table 2 shows '-')", "verified": "recalled",
                  "note": "szagoruyko/wide-residual-networks models/nin.lua (a BN variant) logs 1,007,242 params "
                          "(logs/nin_1875527964/log.txt); re-deriving nin.lua with bias-free convs gives 1,005,642 - "
                          "the 1,600 gap equals the sum of conv output channels, i.e. the logged run had conv biases."},
    "fractalnet_cifar": {"value": "38.6M", "unit": "params", "paper": "Larsson et al. 2016, FractalNet",
                         "table": "DenseNet paper Table 2 row 'FractalNet, depth 21' (recalled)", "verified": "recalled"},
    "stochastic_depth": {"values": {"110-layer": "1.7M", "1202-layer": "10.2M (as printed in DenseNet/WRN tables)"},
                         "unit": "params", "paper": "Huang et al. 2016, Deep Networks with Stochastic Depth",
                         "table": "DenseNet paper Table 2 (recalled)", "verified": "recalled",
                         "note": "the 1202-layer basic-block ResNet really has 19.4M (He et al. Table 6; derived 19,421,274); "
                                 "10.2M matches the 1001-layer pre-act net - likely a copied erratum. Verify before pinning."},
    "densenet_cifar": {"values": {"DenseNet L=40 k=12": "1.0M", "DenseNet L=100 k=12": "7.0M", "DenseNet L=100 k=24": "27.2M",
                                  "DenseNet-BC L=100 k=12": "0.8M", "DenseNet-BC L=250 k=24": "15.3M",
                                  "DenseNet-BC L=190 k=40": "25.6M"},
                       "unit": "params", "paper": "Huang et al. 2017, DenseNet", "table": "Table 2", "verified": "recalled"},
    # --- Inception family ----------------------------------------------------------------------
    "inception_v4": {"value": None, "unit": "params", "paper": "Szegedy et al. 2016, Inception-v4 (arXiv 1602.07261)",
                     "table": "no parameter table in the paper",
                     "verified": "timm reference: 42.68M params, 12.28 GMACs @299 "
                                 "(huggingface/pytorch-image-models@aa4b5850 results/benchmark-infer-amp-nchw-pt240-cu124-rtx3090.csv "
                                 "row inception_v4); derived exact 42,679,816 from timm/models/inception_v4.py"},
    "xception_table3": {"values": {"Inception V3": "23,626,728", "Xception": "22,855,952"}, "unit": "params",
                        "paper": "Chollet 2017, Xception", "table": "Table 3 (size and training speed)",
                        "verified": "recalled; Xception value equals the Keras trainable count derived here"},
    # --- SENet (Hu et al. 2018, arXiv 1709.01507) ----------------------------------------------
    "se_resnet50": {"gflops": "3.87", "baseline_gflops": "3.86", "params": "~2.5M additional over ~25M (text, ~10%)",
                    "paper": "Hu et al., Squeeze-and-Excitation Networks", "table": "Table 2 (GFLOPs); params from Sec. on complexity",
                    "verified": "GFLOPs in seed 001 (lecture seed 001); params sentence recalled. "
                                "timm legacy_seresnet50: 28.09M params, 3.88 GMACs (results csv); derived exact 28,088,024 "
                                "(= 25,557,032 + 2,530,992 SE params, reduction 16)"},
    "se_resnext50_32x4d": {"gflops": "4.25", "baseline_gflops": "4.24", "paper": "Hu et al.", "table": "Table 2",
                           "verified": "seed 001; timm seresnext50_32x4d / legacy_seresnext50_32x4d 27.56M params, 4.26 GMACs; "
                                       "derived exact 27,559,896"},
    # --- Mobile nets ---------------------------------------------------------------------------
    "mobilenet_v1": {"mult_adds": "569M", "params": "4.2M", "paper": "Howard et al. 2017, MobileNets",
                     "table": "Table 8 (and Tables 4/6/7)",
                     "verified": "megvii-model/ShuffleNet-Series@aa91feb7 ShuffleNetV1/README.md row '1.0 MobileNetV1-224 | 569M | 4.2M'; "
                                 "derived Keras MobileNet: 568,740,352 MACs, 4,231,976 trainable params",
                     "other_rows": {"0.75 MobileNet-224": "325M / 2.6M", "0.5 MobileNet-224": "149M / 1.3M",
                                    "0.25 MobileNet-224": "41M / 0.5M", "1.0 MobileNet-192": "418M",
                                    "1.0 MobileNet-160": "290M", "1.0 MobileNet-128": "186M"},
                     "erratum": "keras-team/keras-applications keras_applications/mobilenet.py docstring prints 529 (not 569) "
                                "Multiply-Adds for 1.0 MobileNet-224 and 529 for every resolution row"},
    "nasnet_a_mobile": {"mult_adds": "564M", "params": "5.3M", "name": "NASNet-A (4 @ 1056)", "input": 224,
                        "paper": "Zoph et al. 2018, Learning Transferable Architectures", "table": "Table 3 (mobile setting)",
                        "verified": "quoted in keras-team/keras-applications keras_applications/nasnet.py docstring table; "
                                    "derived Keras NASNetMobile: 563,638,816 MACs, 5,289,978 trainable"},
    "shufflenet_v1_g3_1x": {"mflops": "140", "paper": "Zhang et al. 2018, ShuffleNet", "table": "Table 2 (1x complexity "
                            "140 MFLOPs); Table 1 lists 137M for g=3 (recalled)",
                            "verified": "recalled; official code README megvii-model/ShuffleNet-Series ShuffleNetV1/README.md: "
                                        "'ShuffleNetV1 1.0x (group=3) | 138M | 1.9M'; derived 137,460,672 MACs, 1,864,728 params"},
    "shufflenet_v2_1x": {"mflops": "146M", "params": "2.3M", "paper": "Ma et al. 2018, ShuffleNet V2",
                         "verified": "megvii-model/ShuffleNet-Series ShuffleNetV2/README.md; torchvision 2,278,604 / 0.145"},
    "mobilenet_v2": {"mult_adds": "300M", "params": "3.4M", "paper": "Sandler et al. 2018, MobileNetV2",
                     "verified": "row 'MobileNetV2 | 300M | 3.4M' in megvii ShuffleNetV2/README.md; torchvision 3,504,872 / 0.301"},
    "efficientnet_b0_b7": {"values": {"B0": "5.3M / 0.39B", "B1": "7.8M / 0.70B", "B2": "9.2M / 1.0B", "B3": "12M / 1.8B",
                                      "B4": "19M / 4.2B", "B5": "30M / 9.9B", "B6": "43M / 19B", "B7": "66M / 37B"},
                           "unit": "params / FLOPS (multiply-adds)", "paper": "Tan & Le 2019, EfficientNet", "table": "Table 2",
                           "verified": "B7 '66M parameters and 37B FLOPS' in tensorflow/tpu@11ebf488 models/official/efficientnet/README.md; "
                                       "others recalled.  Resolutions 224/240/260/300/380/456/528/600 (Keras default_size)."},
    # --- Seed 001 tables (printed values, lecture seed 001) --------
    "seed001_resnet_table2_top1_10crop": {"plain-18": 27.94, "ResNet-18": 27.88, "plain-34": 28.54, "ResNet-34": 25.03,
                                          "paper": "He et al. 2015 Table 2"},
    "seed001_resnet_table4": {"VGG (ILSVRC'14)": (None, 8.43), "GoogLeNet (ILSVRC'14)": (None, 7.89), "VGG (v5)": (24.4, 7.1),
                              "PReLU-net": (21.59, 5.71), "BN-inception": (21.99, 5.81), "ResNet-34 B": (21.84, 5.71),
                              "ResNet-34 C": (21.53, 5.60), "ResNet-50": (20.74, 5.25), "ResNet-101": (19.87, 4.60),
                              "ResNet-152": (19.38, 4.49),
                              "columns": "(top-1 err %, top-5 err %) single model, ImageNet val", "paper": "He et al. 2015 Table 4"},
    "seed001_resnext_table5": {"ResNet-101": {"224": (22.0, 6.0)}, "ResNet-200": {"224": (21.7, 5.8), "320/299": (20.1, 4.8)},
                               "Inception-v3": {"320/299": (21.2, 5.6)}, "Inception-v4": {"320/299": (20.0, 5.0)},
                               "Inception-ResNet-v2": {"320/299": (19.9, 4.9)},
                               "ResNeXt-101 (64x4d)": {"224": (20.4, 5.3), "320/299": (19.1, 4.4)},
                               "columns": "(top-1 err, top-5 err)", "paper": "Xie et al. 2017 Table 5"},
    "seed001_googlenet_ilsvrc_table2": {"SuperVision 2012": "16.4% / 15.3% (ext. data)", "Clarifai 2013": "11.7% / 11.2% (ext.)",
                                        "MSRA 2014": "7.35%", "VGG 2014": "7.32%", "GoogLeNet 2014": "6.67%",
                                        "paper": "Szegedy et al. 2015 Table 2 (top-5 error)"},
    "seed001_inception_v4_table2": {"BN-Inception": ("25.2%", "7.8%"), "Inception-v3": ("21.2%", "5.6%"),
                                    "Inception-ResNet-v1": ("21.3%", "5.5%"), "Inception-v4": ("20.0%", "5.0%"),
                                    "Inception-ResNet-v2": ("19.9%", "4.9%"), "paper": "Szegedy et al. 2016 Table 2 (single crop)"},
    "seed001_xception_table1": {"VGG-16": (0.715, 0.901), "ResNet-152": (0.770, 0.933), "Inception V3": (0.782, 0.941),
                                "Xception": (0.790, 0.945), "paper": "Chollet 2017 Table 1 (top-1, top-5 acc; Inception V3 "
                                "benchmarked without the auxiliary tower)"},
    "seed001_densenet_table1": {"growth_rate": 32,
                                "blocks": {"DenseNet-121": (6, 12, 24, 16), "DenseNet-169": (6, 12, 32, 32),
                                           "DenseNet-201": (6, 12, 48, 32), "DenseNet-264": (6, 12, 64, 48)},
                                "paper": "Huang et al. 2017 Table 1 (7x7 conv s2, 3x3 maxpool s2, transitions 1x1 conv + 2x2 avgpool s2)"},
    "seed001_senet_table2": {
        "columns": "re-implementation GFLOPs, SENet GFLOPs",
        "ResNet-50": ("3.86", "3.87"), "ResNet-101": ("7.58", "7.60"), "ResNet-152": ("11.30", "11.32"),
        "ResNeXt-50": ("4.24", "4.25"), "ResNeXt-101": ("7.99", "8.00"), "BN-Inception": ("2.03", "2.04"),
        "Inception-ResNet-v2": ("11.75", "11.76"),
        "top1_top5_reimpl": {"ResNet-50": (24.80, 7.48), "ResNet-101": (23.17, 6.52), "ResNet-152": (22.42, 6.34),
                             "ResNeXt-50": (22.11, 5.90), "ResNeXt-101": (21.18, 5.57), "BN-Inception": (25.38, 7.89),
                             "Inception-ResNet-v2": (20.37, 5.21)},
        "top1_top5_senet": {"ResNet-50": (23.29, 6.62), "ResNet-101": (22.38, 6.07), "ResNet-152": (21.57, 5.73),
                            "ResNeXt-50": (21.10, 5.49), "ResNeXt-101": (20.70, 5.01), "BN-Inception": (24.23, 7.14),
                            "Inception-ResNet-v2": (19.80, 4.79)},
        "paper": "Hu et al. Table 2 (224x224 single crop)",
        "derived_check": "v1 (stride-on-1x1) ResNet MACs @224: 3.858 / 7.570 / 11.282 G; ResNeXt-50 32x4d (stride on 3x3) 4.230 G; "
                         "ResNeXt-101 32x4d 7.970 G; SE blocks add only 2*C^2/16 MACs each (0.0025 G for SE-ResNet-50)"},
    "seed001_nasnet_table2": {
        "columns": "(image size, # parameters, Mult-Adds, top-1 %, top-5 %)",
        "Inception V2": (224, "11.2 M", "1.94 B", 74.8, 92.2),
        "NASNet-A (5 @ 1538)": (299, "10.9 M", "2.35 B", 78.6, 94.2),
        "Inception V3": (299, "23.8 M", "5.72 B", 78.0, 93.9),
        "Xception": (299, "22.8 M", "8.38 B", 79.0, 94.5),
        "Inception ResNet V2": (299, "55.8 M", "13.2 B", 80.4, 95.3),
        "NASNet-A (7 @ 1920)": (299, "22.6 M", "4.93 B", 80.8, 95.3),
        "ResNeXt-101 (64 x 4d)": (320, "83.6 M", "31.5 B", 80.9, 95.6),
        "PolyNet": (331, "92 M", "34.7 B", 81.3, 95.8),
        "DPN-131": (320, "79.5 M", "32.0 B", 81.5, 95.8),
        "SENet": (320, "145.8 M", "42.3 B", 82.7, 96.2),
        "NASNet-A (6 @ 4032)": (331, "88.9 M", "23.8 B", 82.7, 96.2),
        "paper": "Zoph et al. 2018 Table 2",
        "derived_check": "Inception V3 no-aux 23,834,568 params / 5.713 G @299; Xception 22,855,952 / 8.357 G; "
                         "IRv2 (Keras, no gamma) 55,813,192 / 13.156 G; ResNeXt-101 64x4d 83,455,272 / 31.549 G @320 "
                         "(printed 83.6 M is ~0.15 M higher)"},
    "vgg_table2_params": {"A": "133", "A-LRN": "133", "B": "133", "C": "134", "D": "138", "E": "144",
                          "unit": "millions of params", "paper": "Simonyan & Zisserman 2014 Table 2",
                          "verified": "lecture notes (seed documents)"},
    "alexnet_params": {"value": "60 million", "paper": "Krizhevsky et al. 2012 (abstract)", "verified": "recalled",
                       "note": "torchvision's single-tower 64-192-384-256-256 variant has 61,100,840"},
}
